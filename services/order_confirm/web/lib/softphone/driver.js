// The softphone driver interface: the Twilio Voice SDK driver and the sandbox driver do the same things and
// emit the same events, named as Twilio's SDK names them (contracts/http/softphone.py), so the bar and the
// card pop never know which one runs.
//   register(token)            open the line: calls for the token's identity ring here
//   connect(params) -> call    an outgoing call ({call_id} from POST /orders/{id}/call)
//   accept(call), reject(call), disconnect(call), mute(call, on), sendDigits(call, digits), destroy()
// Events (on(name, fn)): registered, incoming, cancel, ringing, accept, disconnect, error, tokenWillExpire.
// A call is {sid, direction: "incoming" | "outgoing", from, to, parameters: {call_id, tenant, customer_id, …}}.
export const EVENTS = ["registered", "incoming", "cancel", "ringing", "accept", "disconnect", "error", "tokenWillExpire"];

export class Emitter {
  constructor() {
    this.listeners = new Map();
  }

  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(fn);
    return () => this.listeners.get(name).delete(fn);
  }

  emit(name, payload) {
    for (const fn of this.listeners.get(name) || []) fn(payload);
  }
}

// A microphone the browser refused or lacks: say what to do instead of "error 31208".
export function microphoneProblem(error) {
  const name = error?.name || error?.originalError?.name || "";
  if (name === "NotAllowedError" || name === "PermissionDeniedError" || error?.code === 31208) return "softphone.mic_denied";
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || error?.code === 31201) return "softphone.mic_missing";
  if (name === "NotReadableError" || name === "TrackStartError") return "softphone.mic_busy";
  if (name === "SecurityError") return "softphone.mic_insecure";
  return null;
}

// The sandbox driver: speaks contracts/http/softphone.py to notify's sandbox softphone server (no Twilio, no
// microphone). The event stream is read with fetch (EventSource cannot send the Authorization header).
import { Emitter } from "./driver.js";

const RECONNECT_MS = 2_000;

function toCall(wire) {
  return {
    sid: wire.sid,
    direction: wire.direction,
    from: wire.from_number,
    to: wire.to_number,
    parameters: wire.custom_parameters || {},
  };
}

export class SandboxDriver extends Emitter {
  constructor(baseUrl) {
    super();
    this.base = baseUrl.replace(/\/$/, "");
    this.token = null;
    this.abort = null;
    this.closed = false;
    this.muted = new Set();
  }

  async register(token) {
    this.token = token;
    this.abort?.abort();
    this.abort = new AbortController();
    this.listen(this.abort.signal);
  }

  async listen(signal) {
    try {
      const response = await fetch(`${this.base}/events`, { headers: this.headers(), signal });
      if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          this.frame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      this.emit("error", { code: error.status === 401 ? 20104 : 31005, message: error.message });
    }
    // The stream ends when the token does, or the server went away: open it again (with the newest token).
    if (!signal.aborted && !this.closed) setTimeout(() => !signal.aborted && this.listen(signal), RECONNECT_MS);
  }

  frame(text) {
    const data = text.split("\n").find((line) => line.startsWith("data: "));
    if (!data) return; // a keep-alive comment
    const event = JSON.parse(data.slice(6));
    const call = event.call ? toCall(event.call) : null;
    if (event.event === "error") this.emit("error", { ...event.error, call });
    else if (event.event === "tokenWillExpire") this.emit("tokenWillExpire", { expiresAt: event.expires_at });
    else this.emit(event.event, call || { identity: event.identity });
  }

  headers(json = false) {
    return { Authorization: `Bearer ${this.token}`, ...(json ? { "Content-Type": "application/json" } : {}) };
  }

  async send(path, body) {
    const response = await fetch(`${this.base}${path}`, {
      method: "POST",
      headers: this.headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    return response.status === 204 ? null : response.json();
  }

  async connect(params) {
    return toCall(await this.send("/calls", { params }));
  }

  accept(call) {
    return this.send(`/calls/${call.sid}/accept`);
  }

  reject(call) {
    return this.send(`/calls/${call.sid}/reject`);
  }

  disconnect(call) {
    return this.send(`/calls/${call.sid}/disconnect`);
  }

  sendDigits(call, digits) {
    return this.send(`/calls/${call.sid}/digits`, { digits });
  }

  // Mute is local, as in Twilio's SDK: the sandbox carries no audio, so it is only remembered.
  mute(call, on) {
    if (on) this.muted.add(call.sid);
    else this.muted.delete(call.sid);
  }

  destroy() {
    this.closed = true;
    this.abort?.abort();
  }
}

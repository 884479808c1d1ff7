// The Twilio driver: wraps Twilio.Device of the vendored Voice JS SDK (web/vendor/twilio-voice.min.js), which
// is loaded only here, only when the operator's token says provider "twilio".
import { Emitter } from "./driver.js";

const SDK = new URL("../../vendor/twilio-voice.min.js", import.meta.url).href;
let loading = null;

function loadSdk() {
  if (globalThis.Twilio?.Device) return Promise.resolve(globalThis.Twilio);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = SDK;
    script.onload = () => resolve(globalThis.Twilio);
    script.onerror = () => {
      loading = null;
      reject(Object.assign(new Error("Twilio Voice SDK did not load"), { code: 31005 }));
    };
    document.head.append(script);
  });
  return loading;
}

function toCall(call) {
  return {
    sid: call.parameters?.CallSid || "",
    direction: call.direction === "INCOMING" ? "incoming" : "outgoing",
    from: call.parameters?.From || "",
    to: call.parameters?.To || "",
    parameters: Object.fromEntries(call.customParameters || []),
    sdk: call,
  };
}

export class TwilioDriver extends Emitter {
  constructor() {
    super();
    this.device = null;
  }

  async register(token) {
    if (this.device) {
      this.device.updateToken(token);
      return;
    }
    const Twilio = await loadSdk();
    this.device = new Twilio.Device(token, { closeProtection: true, codecPreferences: ["opus", "pcmu"] });
    this.device.on("registered", () => this.emit("registered", {}));
    this.device.on("error", (error, call) => this.emit("error", { code: error.code, message: error.message, name: error.name, originalError: error.originalError, call: call && toCall(call) }));
    this.device.on("tokenWillExpire", () => this.emit("tokenWillExpire", {}));
    this.device.on("incoming", (call) => {
      const wrapped = toCall(call);
      this.follow(call, wrapped);
      this.emit("incoming", wrapped);
    });
    await this.device.register();
  }

  follow(call, wrapped) {
    call.on("accept", () => this.emit("accept", { ...wrapped, sid: call.parameters?.CallSid || wrapped.sid }));
    call.on("disconnect", () => this.emit("disconnect", wrapped));
    call.on("cancel", () => this.emit("cancel", wrapped));
    call.on("reject", () => this.emit("disconnect", wrapped));
    call.on("ringing", () => this.emit("ringing", wrapped));
    call.on("error", (error) => this.emit("error", { code: error.code, message: error.message, call: wrapped }));
  }

  async connect(params) {
    const call = await this.device.connect({ params });
    const wrapped = toCall(call);
    this.follow(call, wrapped);
    return wrapped;
  }

  accept(call) {
    call.sdk.accept();
  }

  reject(call) {
    call.sdk.reject();
  }

  disconnect(call) {
    call.sdk.disconnect();
  }

  mute(call, on) {
    call.sdk.mute(on);
  }

  sendDigits(call, digits) {
    call.sdk.sendDigits(digits);
  }

  destroy() {
    this.device?.destroy();
    this.device = null;
  }
}

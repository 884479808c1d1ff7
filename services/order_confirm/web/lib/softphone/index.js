// The operator's softphone: one line per signed-in operator, whichever driver the token names
// (docs/console.md "Softphone"). The bar (components/softphone-bar.js) shows `phone`; the order card calls
// `dial()` with the connect_params of POST /orders/{id}/call; an incoming call pops the customer's card.
import { ApiError, get, request } from "../api.js";
import { navigate } from "../router.js";
import { observable, onSignal } from "../store.js";
import { microphoneProblem } from "./driver.js";

// status: off | unconfigured (no telephony) | unavailable (Twilio unreachable) | ready | incoming | dialing |
// ringing | in_call | my_phone (Okno rings the operator's own phone: no browser leg) | error. `problem` is a message key;
// `call` the current call (`call.mine`: the operator's own number, a call with no browser leg); `since` when talk began.
export const phone = observable({ status: "off", call: null, muted: false, onHold: false, since: null, problem: null });
// An unknown caller's answered call, until the operator attaches it to an order (POST /calls/{id}/attach).
export const unattached = observable(null);
// The operator's line (GET/PUT /me/telephony-line): "browser" or "phone" ("call my phone first") and the number.
export const line = observable({ line: "browser", phone_number: null, telephony: false });
const RETRY_MS = 30_000;
// The bar shows what notify's facts say of a call on the operator's own phone (`call` events): by state.
const MY_PHONE_STATUS = { dialing: "my_phone", queued: "my_phone", ringing: "ringing", in_progress: "in_call" };
let driver = null;
let retry = null;
let left = new Set(); // calls the bar let go of (hung up, over): a late fact never brings them back
let latest = null; // the last `call` the live stream told: it may come before the line is ready (a reload)

const update = (patch) => phone.set((state) => ({ ...state, ...patch }));

async function loadDriver(view) {
  if (view.provider === "sandbox") {
    const { SandboxDriver } = await import("./sandbox-driver.js");
    return new SandboxDriver(view.softphone_url);
  }
  const { TwilioDriver } = await import("./twilio-driver.js");
  return new TwilioDriver();
}

export async function startSoftphone() {
  clearTimeout(retry);
  let view;
  try {
    // Only an operator of a shop that calls through Okno gets a line (GET /me/telephony-line says so).
    line.set(await get("/me/telephony-line"));
    if (!line.get().telephony) return;
    view = await get("/telephony/token");
  } catch (error) {
    const code = error instanceof ApiError ? error.code : "network";
    const unconfigured = ["capability_not_configured", "telephony_disabled"].includes(code) || error.status === 404;
    const status = unconfigured ? "unconfigured" : "unavailable";
    // No telephony at all is the installation's normal state, not news: the bar says so quietly and the card
    // explains it when the operator starts a call. Twilio being down is news.
    update({ status, problem: status === "unavailable" ? "softphone.unavailable" : null });
    if (status === "unavailable") retry = setTimeout(startSoftphone, RETRY_MS);
    return;
  }
  if (!driver) {
    driver = await loadDriver(view);
    listen(driver);
  }
  try {
    await driver.register(view.token);
    if (phone.get().status === "off" || phone.get().status === "unavailable") update({ status: "ready", problem: null });
  } catch (error) {
    failed(error);
  }
  if (latest) followCall(latest); // a call told before the line was ready (the console was reloaded mid-call)
}

export function stopSoftphone() {
  clearTimeout(retry);
  driver?.destroy();
  driver = null;
  latest = null;
  phone.set({ status: "off", call: null, muted: false, onHold: false, since: null, problem: null });
}

function listen(d) {
  d.on("registered", () => update({ status: phone.get().call ? phone.get().status : "ready", problem: null }));
  d.on("incoming", (call) => {
    if (phone.get().call) return d.reject(call); // one person, one line
    update({ status: "incoming", call, problem: null });
    popCard(call);
  });
  d.on("ringing", (call) => update({ status: "ringing", call: { ...phone.get().call, ...call } }));
  // Taken back from hold, the call is accepted again: the talk timer keeps running from the first answer.
  d.on("accept", (call) => {
    const p = phone.get().call?.parameters || {};
    if (phone.get().call?.direction === "incoming" && !p.customer_id && p.call_id) unattached.set({ callId: p.call_id, caller: p.caller || call.from });
  });
  d.on("accept", (call) => update({ status: "in_call", call: { ...phone.get().call, ...call }, since: phone.get().since || Date.now() }));
  d.on("cancel", () => ended());
  d.on("disconnect", () => ended());
  d.on("tokenWillExpire", () => startSoftphone());
  d.on("error", failed);
}

function failed(error) {
  const mic = microphoneProblem(error);
  const problem = mic || (error?.code === 31005 || error?.code === 31009 ? "softphone.unavailable" : "softphone.failed");
  update({ problem, status: phone.get().call ? phone.get().status : "error" });
}

function ended() {
  const id = phone.get().call?.parameters?.call_id;
  if (id) left = new Set([...left].slice(-20)).add(id);
  update({ status: "ready", call: null, muted: false, onHold: false, since: null });
}

// The customer's card as the call rings: the customer page (orders, timeline, notes). An unknown caller's
// call stays where the operator is; the bar says so, and once answered any order card offers to attach it.
function popCard(call) {
  const customer = call.parameters.customer_id;
  if (customer) navigate(`/customers/${customer}`);
}

// Throws the API's error (422 with the number's problem) for the chooser to show by the field.
export async function chooseLine(kind, phoneNumber) {
  const body = { line: kind, phone_number: phoneNumber || null };
  line.set((await request("PUT", "/me/telephony-line", { json: body })).data);
}

// "Call my phone first": notify rings the operator's phone and bridges the customer once it is answered. There
// is no browser leg to watch: from here on the bar follows the call's facts (`followCall`).
export function ringMyPhone(started, context = {}) {
  const { call } = phone.get();
  const callId = started.call.call_id;
  if (call?.parameters?.call_id === callId) return void update({ call: { ...call, ...context } }); // a fact came first
  if (call) return false;
  const parameters = { call_id: callId };
  update({ status: "my_phone", call: { parameters, ...context, mine: line.get().phone_number }, problem: null });
  return true;
}

// The operator's current call as notify's facts tell it (the live stream's `call` event, and `ready` after every
// reconnect). A call on the operator's own phone is shown by them alone: ringing your phone → ringing the
// customer → in call (the timer from the answer, hold) → over (the bar frees; the card's disposition keys as after
// a browser call). A browser call is the driver's; a fact that it is over only confirms what the driver says.
export function followCall(current) {
  latest = current;
  const { call } = phone.get();
  const shown = call?.parameters?.call_id;
  const same = Boolean(shown) && shown === current?.call_id;
  // Over: its last fact says so; or a call on the own phone that the facts showed is no longer current (it ended
  // while the stream was away). One whose facts have not arrived yet is kept: the call start answers first.
  if ((same && current.state === "ended") || (shown && !same && call.mine && call.followed)) ended();
  if (!current || current.line !== "phone" || current.state === "ended" || left.has(current.call_id)) return;
  showMyPhone(current);
}

function showMyPhone(current) {
  const { call, since, status } = phone.get();
  if (call ? call.parameters?.call_id !== current.call_id : !["ready", "error", "unavailable"].includes(status)) return;
  const answered = current.answered_at ? Date.parse(current.answered_at) : null;
  const shown = { parameters: { call_id: current.call_id }, mine: line.get().phone_number, ...call, followed: true };
  update({ status: MY_PHONE_STATUS[current.state] || "my_phone", call: shown, onHold: current.on_hold, since: answered || since });
  if (!call && current.order_id) whoIsCalled(current);
}

// A call the bar had not seen (the console was reloaded mid-call): whom it is with, from its order.
async function whoIsCalled(current) {
  try {
    const order = await get(`/orders/${current.order_id}`);
    const { call } = phone.get();
    if (call?.parameters?.call_id === current.call_id) update({ call: { ...call, to: order.customer.phone } });
  } catch {
    // The bar shows the call without the number; nothing else depends on it.
  }
}

onSignal("call", followCall);

export async function dial(connectParams, context = {}) {
  if (!driver || !["ready", "error"].includes(phone.get().status)) return false;
  update({ status: "dialing", call: { parameters: { ...connectParams }, ...context }, problem: null });
  try {
    const call = await driver.connect(connectParams);
    update({ call: { ...phone.get().call, ...call, parameters: { ...connectParams } } });
    return true;
  } catch (error) {
    ended();
    failed(error);
    return false;
  }
}

export const answer = () => phone.get().call && driver.accept(phone.get().call);
export const decline = () => phone.get().call && driver.reject(phone.get().call);

export async function hangUp() {
  const { call } = phone.get();
  if (!call) return;
  if (call.mine) return hangUpMyPhone(call);
  try {
    await driver.disconnect(call);
  } catch {
    // The browser's leg is already gone: ask Okno to end the call at the provider.
    if (call.parameters?.call_id) await request("POST", `/calls/${call.parameters.call_id}/hangup`).catch(() => {});
    ended();
  }
}

async function hangUpMyPhone(call) {
  try {
    await request("POST", `/calls/${call.parameters.call_id}/hangup`);
    ended();
  } catch (error) {
    // A call already over (409) is what the operator wanted; anything else they may try again.
    if (error.code === "call_ended") ended();
    else update({ problem: error.code === "telephony_unavailable" ? "softphone.unavailable" : "softphone.failed" });
  }
}

export function toggleMute() {
  const { call, muted } = phone.get();
  if (!call) return;
  driver.mute(call, !muted);
  update({ muted: !muted });
}

// Hold is not the driver's: the customer hears hold music because Okno redirects their leg at the provider.
export async function toggleHold() {
  const { call, onHold } = phone.get();
  if (!call?.parameters?.call_id) return;
  try {
    await request("PUT", `/calls/${call.parameters.call_id}/hold`, { json: { on_hold: !onHold } });
    update({ onHold: !onHold });
  } catch (error) {
    update({ problem: error.code === "telephony_unavailable" ? "softphone.unavailable" : "softphone.failed" });
  }
}

export async function attachTo(orderId) {
  const call = unattached.get();
  if (!call) return;
  await request("POST", `/calls/${call.callId}/attach`, { json: { order_id: orderId } });
  unattached.set(null);
}

export const sendDigits = (digits) => phone.get().call && driver.sendDigits(phone.get().call, digits);

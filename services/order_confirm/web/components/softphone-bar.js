// The softphone bar under the top bar: the line's state, the call's timer, mute / hold / hang up, and an
// incoming call's answer / reject. Problems say what to do: allow the microphone, or (telephony not set up,
// Twilio unreachable) record the disposition by hand as before.
import { html, useEffect, useState } from "../lib/html.js";
import { duration, t } from "../lib/i18n.js";
import { useShortcuts } from "../lib/keys.js";
import { answer, decline, hangUp, phone, toggleHold, toggleMute } from "../lib/softphone/index.js";
import { useObservable } from "../lib/store.js";
import { SoftphoneLine } from "./softphone-line.js";

function useTalkTimer(since) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!since) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [since]);
  return since ? duration(Math.max(0, (now - since) / 1000)) : null;
}

function who(call) {
  const p = call?.parameters || {};
  return p.caller || call?.from || p.to || call?.to || "";
}

export function SoftphoneBar() {
  const state = useObservable(phone);
  const timer = useTalkTimer(state.since);
  const { status, call } = state;
  const live = ["ringing", "dialing", "in_call", "my_phone"].includes(status);
  useShortcuts([
    // Y and Z: the letters no page uses, so the line answers whatever page is open.
    { key: "y", label: t("softphone.answer"), run: answer, disabled: status !== "incoming" },
    { key: "z", label: t("softphone.hang_up"), run: status === "incoming" ? decline : hangUp, disabled: !live && status !== "incoming" },
  ]);
  if (status === "off") return null;
  const unknown = status === "incoming" && !call?.parameters?.customer_id;
  return html`<div class=${`softphone softphone-${status}`} data-testid="softphone" data-status=${status} role="region"
    aria-label=${t("softphone.title")}>
    <span class="softphone-state" data-testid="softphone-state" title=${status === "unconfigured" ? t("softphone.unconfigured") : ""}>☎ ${t(`softphone.status.${status}`, { who: who(call), mine: call?.mine || "" })}</span>
    ${timer && html`<span class="timer" data-testid="softphone-timer">${timer}</span>`}
    ${unknown && html`<span class="badge warn" data-testid="softphone-unknown">${t("softphone.unknown_caller")}</span>`}
    ${status === "incoming" &&
    html`<button type="button" class="primary" onClick=${answer} data-testid="softphone-answer">${t("softphone.answer")} <kbd>Y</kbd></button>
      <button type="button" onClick=${decline} data-testid="softphone-reject">${t("softphone.reject")} <kbd>Z</kbd></button>`}
    ${(status === "in_call" || status === "my_phone") &&
    html`${status === "in_call" && !call?.mine && html`<button type="button" onClick=${toggleMute} aria-pressed=${state.muted} data-testid="softphone-mute">
        ${state.muted ? t("softphone.unmute") : t("softphone.mute")}</button>`}
      <button type="button" onClick=${toggleHold} aria-pressed=${state.onHold} data-testid="softphone-hold">
        ${state.onHold ? t("softphone.resume") : t("softphone.hold")}</button>`}
    ${live && html`<button type="button" class="danger" onClick=${hangUp} data-testid="softphone-hangup">${t("softphone.hang_up")} <kbd>Z</kbd></button>`}
    ${!live && status !== "incoming" && status !== "unconfigured" && html`<${SoftphoneLine} />`}
    ${state.problem && html`<span class="softphone-problem" role="alert" data-testid="softphone-problem">${t(state.problem)}</span>`}
  </div>`;
}

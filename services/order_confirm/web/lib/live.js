// The live-update stream (GET /api/v1/events, server-sent events) read with fetch, which can send the
// Authorization header that EventSource cannot. Reconnects with backoff; after a reconnect every page
// refetches (the `ready` event), so nothing missed while offline stays stale.
import { API, accessToken, refresh, session } from "./api.js";
import { emit, observable } from "./store.js";

export const liveState = observable("off"); // off | connecting | live | retrying
let controller = null;
let retryDelay = 1000;

function dispatch(event, data) {
  if (event === "ready") {
    retryDelay = 1000;
    liveState.set("live");
    emit("queue", { added: [], changed: [], removed: [], resync: true });
    emit("floor", {});
    emit("call", data?.call ?? null); // the current call, so the softphone bar resyncs after a reconnect
  } else if (event === "call") {
    emit("call", data.call);
  } else if (event === "queue") {
    emit("queue", data);
    for (const ref of [...data.added, ...data.changed, ...data.removed]) {
      if (ref.order_id) emit(`order:${ref.order_id}`, ref);
    }
  } else if (event === "floor") {
    emit("floor", data);
  }
}

function parse(frame) {
  let event = "message";
  const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  return { event, data: data.length ? JSON.parse(data.join("\n")) : null };
}

async function readStream(signal) {
  const response = await fetch(`${API}/events`, {
    headers: { authorization: `Bearer ${accessToken()}`, accept: "text/event-stream" },
    signal,
  });
  if (response.status === 401) return "reauth";
  if (!response.ok) throw new Error(`live stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return "closed";
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!frame.trim() || frame.startsWith(":")) continue;
      const { event, data } = parse(frame);
      if (event === "reauth") return "reauth";
      dispatch(event, data);
    }
  }
}

async function run(signal) {
  while (!signal.aborted) {
    liveState.set(liveState.get() === "off" ? "connecting" : "retrying");
    let outcome;
    try {
      outcome = await readStream(signal);
    } catch {
      outcome = "error";
    }
    if (signal.aborted) return;
    if (outcome === "closed") continue; // the server recycles streams: reconnect at once
    if (outcome === "reauth") {
      try {
        await refresh();
        continue;
      } catch {
        return;
      }
    }
    liveState.set("retrying");
    await new Promise((resolve) => setTimeout(resolve, retryDelay));
    retryDelay = Math.min(retryDelay * 2, 15_000);
  }
}

export function startLive() {
  stopLive();
  controller = new AbortController();
  run(controller.signal);
}

export function stopLive() {
  controller?.abort();
  controller = null;
  liveState.set("off");
}

session.subscribe((current) => {
  if (!current) stopLive();
});

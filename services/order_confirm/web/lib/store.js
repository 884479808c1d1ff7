// A tiny observable value: the session, the language and the live-stream state are shared by every page.
import { useEffect, useState } from "./html.js";

export function observable(initial) {
  let value = initial;
  const listeners = new Set();
  return {
    get: () => value,
    set(next) {
      value = typeof next === "function" ? next(value) : next;
      for (const listener of [...listeners]) listener(value);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useObservable(source) {
  const [value, setValue] = useState(source.get());
  useEffect(() => {
    setValue(source.get());
    return source.subscribe(setValue);
  }, [source]);
  return value;
}

// Pages subscribe to named signals ("queue", "floor", "order:42") that the live stream fires.
const channels = new Map();

export function emit(name, detail) {
  for (const listener of [...(channels.get(name) || [])]) listener(detail);
}

// Outside components (the softphone follows "call"); returns the unsubscribe function.
export function onSignal(name, listener) {
  if (!channels.has(name)) channels.set(name, new Set());
  const set = channels.get(name);
  set.add(listener);
  return () => set.delete(listener);
}

export function useSignal(name, listener) {
  useEffect(() => onSignal(name, listener), [name, listener]);
}

// Keyboard first: every page registers its shortcuts here, the help overlay ("?") lists exactly the ones
// active right now, and a dialog's shortcuts shadow the page's while it is open.
import { observable } from "./store.js";
import { useEffect, useLayoutEffect, useRef } from "./html.js";

const layers = []; // [{id, modal, shortcuts: [{key, label, run}]}], last = top
export const activeShortcuts = observable([]);
let nextId = 1;
let published = "";

function publish() {
  const seen = new Set();
  const list = [];
  for (let i = layers.length - 1; i >= 0; i -= 1) {
    for (const shortcut of layers[i].shortcuts) {
      if (!seen.has(shortcut.key) && shortcut.label) {
        seen.add(shortcut.key);
        list.push(shortcut);
      }
    }
    if (layers[i].modal) break;
  }
  const signature = list.map((s) => `${s.key}:${s.label}:${Boolean(s.disabled)}`).join("|");
  if (signature !== published) {
    published = signature;
    activeShortcuts.set(list);
  }
}

// "Escape", "Enter", "?", "n", "1", "ArrowDown", "ctrl+Enter".
function keyName(event) {
  const base = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  return event.ctrlKey || event.metaKey ? `ctrl+${base}` : base;
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.repeat) return;
  const name = keyName(event);
  // In a field only Escape and ctrl+Enter act: letters are text.
  if (typing(event.target) && name !== "Escape" && name !== "ctrl+Enter") return;
  for (let i = layers.length - 1; i >= 0; i -= 1) {
    const shortcut = layers[i].shortcuts.find((s) => s.key === name && !s.disabled);
    if (shortcut) {
      event.preventDefault();
      shortcut.run(event);
      return;
    }
    if (layers[i].modal) return;
  }
});

// useShortcuts([{key: "c", label: t("confirm"), run: confirm}], {modal: false})
export function useShortcuts(shortcuts, { modal = false } = {}) {
  const layer = useRef(null);
  if (!layer.current) layer.current = { id: nextId++, modal, shortcuts: [] };
  layer.current.shortcuts = shortcuts.filter(Boolean);
  // Registered before the browser paints: a key pressed as soon as a dialog shows must reach that dialog
  // (with useEffect, an Escape typed in the frame after the overlay appeared went to the page underneath).
  useLayoutEffect(() => {
    layers.push(layer.current);
    publish();
    return () => {
      layers.splice(layers.indexOf(layer.current), 1);
      publish();
    };
  }, []);
  useEffect(publish);
}

// How a key is shown on a <kbd>.
export function keyLabel(key) {
  const names = { " ": "Space", ArrowDown: "↓", ArrowUp: "↑", ArrowLeft: "←", ArrowRight: "→", Escape: "Esc", Enter: "Enter", "ctrl+Enter": "Ctrl+Enter" };
  return names[key] || key.toUpperCase();
}

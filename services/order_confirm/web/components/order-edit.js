// Changing an order during the call: item quantities and delivery. Saved with If-Match (the version the
// operator was looking at); a 412 shows what changed meanwhile and lets the operator reapply their edit.
import { html, useState } from "../lib/html.js";
import { request } from "../lib/api.js";
import { day, money, t } from "../lib/i18n.js";
import { useShortcuts } from "../lib/keys.js";
import { Field } from "./dialog.js";

const DELIVERY_FIELDS = ["delivery_date", "delivery_slot", "delivery_address", "delivery_city", "delivery_postcode", "comment"];
const SLOTS = ["09:00-12:00", "10:00-14:00", "12:00-15:00", "14:00-18:00", "18:00-22:00"];

function draftOf(order) {
  const draft = { items: Object.fromEntries(order.items.map((item) => [item.sku, item.quantity])) };
  for (const name of DELIVERY_FIELDS) draft[name] = order[name] ?? "";
  return draft;
}

// Only what the operator changed relative to `base` goes into the PATCH.
export function patchOf(base, draft) {
  const patch = {};
  for (const name of DELIVERY_FIELDS) {
    const before = base[name] ?? "";
    const after = typeof draft[name] === "string" ? draft[name].trim() : draft[name];
    if (after !== before) patch[name] = after === "" ? null : after;
  }
  const items = base.items
    .filter((item) => Number(draft.items[item.sku]) !== item.quantity)
    .map((item) => ({ sku: item.sku, quantity: Number(draft.items[item.sku]) }));
  if (items.length) patch.items = items;
  return patch;
}

// "items.1.quantity" -> the sku of item 1 of the patch, so the message lands at that item's input.
function placeErrors(fieldErrors, patch) {
  const placed = {};
  for (const [field, message] of Object.entries(fieldErrors)) {
    const itemMatch = /^items\.(\d+)/.exec(field);
    const key = itemMatch && patch.items?.[itemMatch[1]] ? `item:${patch.items[itemMatch[1]].sku}` : field;
    placed[key] = placed[key] ? `${placed[key]} ${message}` : message;
  }
  return placed;
}

function describe(order, name) {
  if (name === "items") return order.items.map((item) => `${item.name} × ${item.quantity}`).join(", ");
  if (name === "delivery_date") return day(order.delivery_date);
  return order[name] || "—";
}

// The fields that differ between two versions of the order.
function changedBetween(before, after) {
  const names = [...DELIVERY_FIELDS, "status"].filter((name) => (before[name] ?? "") !== (after[name] ?? ""));
  const items = (order) => JSON.stringify(order.items.map((item) => [item.sku, item.quantity]));
  if (items(before) !== items(after)) names.push("items");
  return names;
}

function Conflict({ base, latest, mine, busy, onReapply, onDiscard }) {
  const theirs = changedBetween(base, latest);
  useShortcuts([
    { key: "r", label: t("conflict.reapply"), run: onReapply },
    { key: "d", label: t("conflict.discard"), run: onDiscard },
  ]);
  return html`<section class="conflict" role="alert" data-testid="conflict">
    <h3>${t("conflict.title", { version: latest.version })}</h3>
    <p>${t("conflict.explain")}</p>
    <table>
      <thead><tr><th></th><th>${t("conflict.was")}</th><th>${t("conflict.now")}</th><th>${t("conflict.mine")}</th></tr></thead>
      <tbody>
        ${[...new Set([...theirs, ...Object.keys(mine)])].map(
          (name) => html`<tr key=${name} class=${theirs.includes(name) ? "theirs" : ""}>
            <th>${t(`field.${name}`)}</th>
            <td>${describe(base, name)}</td>
            <td>${describe(latest, name)}</td>
            <td>${name in mine ? (name === "items" ? mine.items.map((i) => `${i.sku} × ${i.quantity}`).join(", ") : mine[name] ?? "—") : "—"}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <div class="buttons">
      <button type="button" onClick=${onDiscard} data-testid="conflict-discard">${t("conflict.discard")} <kbd>D</kbd></button>
      <button type="button" class="primary" disabled=${busy} onClick=${onReapply} data-testid="conflict-reapply">
        ${t("conflict.reapply")} <kbd>R</kbd>
      </button>
    </div>
  </section>`;
}

export function OrderEdit({ order, onSaved, onCancel }) {
  const [base, setBase] = useState(order);
  const [draft, setDraft] = useState(() => draftOf(order));
  const [errors, setErrors] = useState({});
  const [conflict, setConflict] = useState(null);
  const [busy, setBusy] = useState(false);

  async function save(patch, version) {
    setBusy(true);
    setErrors({});
    try {
      const { data } = await request("PATCH", `/orders/${order.id}`, { json: patch, headers: { "If-Match": `"${version}"` } });
      onSaved(data);
    } catch (error) {
      if (error.status === 412) {
        const { data: latest } = await request("GET", `/orders/${order.id}`);
        setConflict({ latest, mine: patch });
      } else {
        setErrors(placeErrors(error.fieldErrors, patch));
        if (!Object.keys(error.fieldErrors).length) setErrors({ _: error.message });
      }
    } finally {
      setBusy(false);
    }
  }

  function submit(event) {
    event?.preventDefault();
    const patch = patchOf(base, draft);
    if (!Object.keys(patch).length) return onCancel();
    save(patch, base.version);
  }

  useShortcuts([
    { key: "Escape", label: t("action.close"), run: onCancel },
    { key: "ctrl+Enter", label: t("edit.save"), run: submit },
  ]);

  const set = (name) => (event) => setDraft({ ...draft, [name]: event.target.value });
  const setQuantity = (sku) => (event) => setDraft({ ...draft, items: { ...draft.items, [sku]: event.target.value } });

  if (conflict) {
    return html`<${Conflict} base=${base} latest=${conflict.latest} mine=${conflict.mine} busy=${busy}
      onDiscard=${() => onSaved(conflict.latest)}
      onReapply=${() => {
        // The operator's edit, on top of the latest version; every other field shows the latest values.
        const latest = conflict.latest;
        setBase(latest);
        setDraft({ ...draftOf(latest), ...draftFromPatch(latest, conflict.mine) });
        setConflict(null);
        save(conflict.mine, latest.version);
      }} />`;
  }

  return html`<form class="order-edit" onSubmit=${submit} data-testid="order-edit">
    <table class="items">
      <thead><tr><th>${t("field.item")}</th><th>${t("field.quantity")}</th><th>${t("field.unit_price")}</th></tr></thead>
      <tbody>
        ${base.items.map(
          (item) => html`<tr key=${item.sku}>
            <td>${item.name} <small class="muted">${item.sku}</small></td>
            <td>
              <${Field} label="" error=${errors[`item:${item.sku}`]}>
                <input type="number" min="0" max="100000" step="1" value=${draft.items[item.sku]} aria-label=${t("field.quantity_of", { item: item.name })}
                  onInput=${setQuantity(item.sku)} data-testid=${`qty-${item.sku}`} />
              <//>
            </td>
            <td>${money(item.unit_price, base.currency)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${errors.items && html`<p class="field-error" role="alert">${errors.items}</p>`}
    <div class="grid2">
      <${Field} label=${t("field.delivery_date")} error=${errors.delivery_date}>
        <input type="date" value=${draft.delivery_date} onInput=${set("delivery_date")} data-testid="edit-delivery-date" />
      <//>
      <${Field} label=${t("field.delivery_slot")} error=${errors.delivery_slot}>
        <input list="okno-slots" maxlength="50" value=${draft.delivery_slot} onInput=${set("delivery_slot")} data-testid="edit-delivery-slot" />
        <datalist id="okno-slots">${SLOTS.map((slot) => html`<option key=${slot} value=${slot} />`)}</datalist>
      <//>
      <${Field} label=${t("field.delivery_address")} error=${errors.delivery_address}>
        <input maxlength="500" value=${draft.delivery_address} onInput=${set("delivery_address")} />
      <//>
      <${Field} label=${t("field.delivery_city")} error=${errors.delivery_city}>
        <input maxlength="200" value=${draft.delivery_city} onInput=${set("delivery_city")} />
      <//>
      <${Field} label=${t("field.delivery_postcode")} error=${errors.delivery_postcode}>
        <input maxlength="20" value=${draft.delivery_postcode} onInput=${set("delivery_postcode")} />
      <//>
      <${Field} label=${t("field.comment")} error=${errors.comment}>
        <input maxlength="4000" value=${draft.comment} onInput=${set("comment")} />
      <//>
    </div>
    ${errors._ && html`<p class="error" role="alert">${errors._}</p>`}
    <div class="buttons">
      <button type="button" onClick=${onCancel}>${t("action.close")} <kbd>Esc</kbd></button>
      <button type="submit" class="primary" disabled=${busy} data-testid="edit-save">${t("edit.save")} <kbd>Ctrl+Enter</kbd></button>
    </div>
  </form>`;
}

function draftFromPatch(order, patch) {
  const draft = {};
  for (const name of DELIVERY_FIELDS) if (name in patch) draft[name] = patch[name] ?? "";
  if (patch.items) {
    draft.items = { ...Object.fromEntries(order.items.map((i) => [i.sku, i.quantity])) };
    for (const item of patch.items) draft.items[item.sku] = item.quantity;
  }
  return draft;
}

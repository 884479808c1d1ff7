// Hash routes ("#/queue/42"): the console is static files, so every route must load from /console/.
import { observable } from "./store.js";

export const route = observable(location.hash.slice(1) || "/");
window.addEventListener("hashchange", () => route.set(location.hash.slice(1) || "/"));

export function navigate(path) {
  if (location.hash.slice(1) !== path) location.hash = path;
}

// "/queue/42" against "/queue/:order" -> {order: "42"}; null when it does not match.
export function matchPath(pattern, path) {
  const names = [];
  const regex = new RegExp(
    "^" +
      pattern.replace(/\/:(\w+)(\?)?/g, (_, name, optional) => {
        names.push(name);
        return optional ? "(?:/([^/]+))?" : "/([^/]+)";
      }) +
      "/?$",
  );
  const found = regex.exec(path);
  if (!found) return null;
  return Object.fromEntries(names.map((name, i) => [name, found[i + 1] ? decodeURIComponent(found[i + 1]) : null]));
}

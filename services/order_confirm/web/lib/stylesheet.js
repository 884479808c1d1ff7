// A page that brings its own stylesheet (the reports pages: reports.css) adds it once, on first render,
// so the console's shell and its index.html stay untouched.
export function useStylesheet(name) {
  if (document.querySelector(`link[data-okno-sheet="${name}"]`)) return;
  const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: name });
  link.dataset.oknoSheet = name;
  document.head.append(link);
}

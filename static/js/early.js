// Runs before first paint (classic, blocking script in <head>): apply the saved large-text
// preference now so the page does not re-layout once the modules load.
try {
  if (localStorage.getItem("gradtrace.largeText") === "1") {
    document.documentElement.classList.add("large-text");
  }
} catch (e) {
  // Storage can be disabled (private mode, file://); the default size is fine then.
}

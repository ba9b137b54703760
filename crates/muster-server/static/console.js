// The console's own setting of htmx: no indicator styles injected into the
// page (its content security policy allows no inline style). Loaded, as
// htmx, with `defer`, so it runs before htmx reads its settings.
htmx.config.includeIndicatorStyles = false;

// A file input with `data-fills="ID"` puts the text of the file chosen into
// the text area ID (the form works without it: paste the text).
document.addEventListener('change', (event) => {
  const input = event.target;
  const target = input instanceof HTMLInputElement && input.dataset.fills
    ? document.getElementById(input.dataset.fills) : null;
  if (!target || !input.files || !input.files[0]) return;
  input.files[0].text().then((text) => { target.value = text; });
});

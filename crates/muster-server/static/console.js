// The console's own setting of htmx: no indicator styles injected into the
// page (its content security policy allows no inline style). Loaded, as
// htmx, with `defer`, so it runs before htmx reads its settings.
htmx.config.includeIndicatorStyles = false;

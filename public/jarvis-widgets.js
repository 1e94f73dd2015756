/*
 * Helpers shared by the chat widgets (public/elements/*.jsx).
 *
 * Chainlit compiles each custom element on its own (react-runner with sucrase): an element
 * may import only the modules Chainlit hands it (react, lucide-react, @/components/ui/...),
 * never a file of ours. So this plain script is loaded once per page instead, by `custom_js`
 * in .chainlit/config.toml (a deferred <script> ahead of Chainlit's own bundle, so it has
 * run before any element is drawn), and each widget takes the helpers from it:
 *
 *   const { usePersisted, call } = window.JarvisWidgets.bind(
 *     { useCallback, useEffect, useRef, useState },
 *     callAction
 *   );
 *
 * No JSX and no imports here: React's hooks and the element's `callAction` come in as
 * arguments. Served at /public/jarvis-widgets.js.
 */
(function () {
  'use strict';

  // Widget state survives the element being re-rendered (Chainlit remounts it), keyed by
  // 'scope|key' and shared by every widget of the page.
  const hub = (window.__jarvisWidgetState = window.__jarvisWidgetState || {
    values: {},
    listeners: {}
  });

  function bind(react, callAction) {
    const { useCallback, useEffect, useRef, useState } = react;

    // useState kept in the hub: a remounted widget gets its value back, and every mounted
    // copy of the same scope and key sees each update.
    function usePersisted(scope, key, initial) {
      const id = scope + '|' + key;
      const initialRef = useRef(initial);
      const [value, setValue] = useState(() => (id in hub.values ? hub.values[id] : initial));
      useEffect(() => {
        const set = (hub.listeners[id] = hub.listeners[id] || new Set());
        set.add(setValue);
        if (id in hub.values) setValue(hub.values[id]);
        return () => {
          set.delete(setValue);
        };
      }, [id]);
      const update = useCallback(
        (next) => {
          const prev = id in hub.values ? hub.values[id] : initialRef.current;
          const v = typeof next === 'function' ? next(prev) : next;
          hub.values[id] = v;
          (hub.listeners[id] || new Set()).forEach((fn) => fn(v));
        },
        [id]
      );
      return [value, update];
    }

    // callAction resolves to {success, response}: the callback's return value is `response`.
    // Never throws: a failure comes back as {error}.
    async function call(name, payload) {
      try {
        const res = await callAction({ name, payload });
        if (res === undefined || res === null) return { error: 'not connected' };
        if (typeof res === 'object' && 'response' in res) return res.response || {};
        return res;
      } catch (err) {
        return { error: String((err && err.message) || err) };
      }
    }

    return { hub, usePersisted, call };
  }

  window.JarvisWidgets = Object.freeze({ hub, bind });
})();

/*
 * The "LLMs can make mistakes" footer (Chainlit's `.watermark`) is true only of a model's
 * answers, so it shows only when the server says a model is configured: once the signed-in
 * chat draws the footer, this asks GET /page/status (ui/web/page_status.py) and marks the page
 * with data-jarvis-model="configured" or "none"; public/jarvis-cosmic.css hides the footer
 * unless it is "configured".
 */
(function () {
  'use strict';

  if (typeof document === 'undefined') return; // not in a page (the helpers' unit tests)
  const root = document.documentElement;
  const RETRY_MS = 5000;
  let asking = false;
  let lastTry = 0;

  async function ask() {
    asking = true;
    lastTry = Date.now();
    try {
      const res = await fetch('/page/status', {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      });
      if (res.ok) {
        const body = await res.json();
        root.dataset.jarvisModel = body.model_configured ? 'configured' : 'none';
      }
    } catch (err) {
      // Offline or signed out: the footer stays hidden and the next redraw asks again.
    } finally {
      asking = false;
    }
  }

  const watcher = new MutationObserver(() => {
    if (root.dataset.jarvisModel) {
      watcher.disconnect();
      return;
    }
    if (asking || Date.now() - lastTry < RETRY_MS) return;
    if (document.querySelector('.watermark')) ask();
  });
  watcher.observe(root, { childList: true, subtree: true });
})();

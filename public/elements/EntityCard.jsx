import { useCallback, useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import {
  CircleCheck,
  CircleMinus,
  CircleX,
  House,
  LoaderCircle,
  Power,
  TriangleAlert
} from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/e2e).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

// Shared helpers: public/jarvis-widgets.js, loaded by custom_js in .chainlit/config.toml.
const { usePersisted, call } = window.JarvisWidgets
  ? window.JarvisWidgets.bind({ useCallback, useEffect, useRef, useState }, callAction)
  : {
      usePersisted: (scope, key, initial) => useState(initial),
      call: async () => ({ error: 'widget helpers not loaded' })
    };

function replyText(reply) {
  if (typeof reply === 'string') return reply;
  if (!reply || typeof reply !== 'object') return 'done';
  if (reply.text) return String(reply.text);
  if (reply.error) return 'failed: ' + reply.error;
  const message = reply.message ? String(reply.message) : '';
  switch (reply.status) {
    case 'approval_required':
      return 'needs approval — see the card below';
    case 'denied':
      return 'denied: ' + (reply.reason || message || 'by policy');
    case 'error':
      return 'failed: ' + (message || 'unknown error');
    case 'no_data':
      return message || 'nothing to do';
    default:
      return 'done';
  }
}

function ToneBadge({ tone, label, testId }) {
  const t = TONES[tone] || TONES.neutral;
  const Icon = t.Icon;
  return (
    <span
      data-testid={testId}
      className="inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold"
      style={{ backgroundColor: t.bg, color: t.fg }}
    >
      <Icon className="h-3 w-3" aria-hidden="true" />
      {label}
    </span>
  );
}

function Entity({ entity, action, scope }) {
  const id = entity.entity_id;
  const [note, setNote] = usePersisted(scope, 'note:' + id, '');
  const [busy, setBusy] = usePersisted(scope, 'busy:' + id, false);
  const toggle = entity.toggle;
  const value = entity.unit ? entity.state + ' ' + entity.unit : entity.state;
  const press = async () => {
    if (!toggle || busy) return;
    setBusy(true);
    setNote('asking…');
    const reply = await call(action, { tool: toggle.tool, args: toggle.args });
    setNote(replyText(reply));
    setBusy(false);
  };
  return (
    <li
      data-testid={'entity-' + id}
      aria-label={'Entity ' + entity.name}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <House className="h-4 w-4 text-muted-foreground" aria-hidden="true" />
        <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {entity.name}
        </span>
        <code className="text-xs text-muted-foreground" style={{ overflowWrap: 'anywhere' }}>
          {id}
        </code>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <ToneBadge tone={entity.tone} label={value} testId={'entity-state-' + id} />
        {toggle ? (
          <Button
            type="button"
            variant="outline"
            size="sm"
            data-testid={'entity-toggle-' + id}
            aria-label={toggle.label + ' ' + entity.name}
            disabled={busy}
            onClick={press}
          >
            {busy ? (
              <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden="true" />
            ) : (
              <Power className="h-4 w-4" aria-hidden="true" />
            )}
            {toggle.label}
          </Button>
        ) : null}
        {note ? (
          <span role="status" data-testid={'entity-note-' + id} className="text-sm text-foreground">
            {note}
          </span>
        ) : null}
      </div>
    </li>
  );
}

export default function EntityCard() {
  const p = props || {};
  const entities = Array.isArray(p.entities) ? p.entities : [];
  const failed = p.status === 'error' || p.status === 'denied';
  const scope = 'entity-card:' + (p.widget_id || 'x');
  return (
    <section
      data-testid="entity-card"
      data-jarvis="panel"
      aria-label="Home Assistant"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">Home Assistant</h3>
        <span className="text-sm text-muted-foreground" data-testid="entity-summary">
          {entities.length + (entities.length === 1 ? ' entity' : ' entities') +
            (p.more ? ' (and ' + p.more + ' more)' : '')}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {(p.status === 'denied' ? 'Denied: ' : 'Home Assistant did not answer: ') +
            (p.message || 'unknown error')}
        </p>
      ) : null}
      {!failed && !entities.length ? (
        <p className="text-sm text-muted-foreground">No entity matched.</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Entities">
        {entities.map((e) => (
          <Entity key={e.entity_id} entity={e} action={p.action || 'jarvis_tool'} scope={scope} />
        ))}
      </ul>
    </section>
  );
}

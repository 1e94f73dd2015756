import { useCallback, useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import {
  CircleCheck,
  CircleMinus,
  CircleX,
  GitBranch,
  LoaderCircle,
  Rocket,
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

function Stack({ stack, action, scope }) {
  const id = stack.name;
  const [note, setNote] = usePersisted(scope, 'note:' + id, '');
  const [busy, setBusy] = usePersisted(scope, 'busy:' + id, false);
  const deploy = stack.deploy;
  const press = async () => {
    if (!deploy || busy) return;
    setBusy(true);
    setNote('asking…');
    const reply = await call(action, { tool: deploy.tool, args: deploy.args });
    setNote(replyText(reply));
    setBusy(false);
  };
  const services = Array.isArray(stack.services) ? stack.services : [];
  return (
    <li
      data-testid={'stack-' + id}
      aria-label={'Stack ' + id}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {id}
        </span>
        <span className="flex items-center gap-1 text-xs text-muted-foreground">
          <GitBranch className="h-3 w-3" aria-hidden="true" />
          {(stack.branch || 'detached') + ' @ '}
          <code data-testid={'stack-commit-' + id}>{stack.commit}</code>
        </span>
        <ToneBadge tone={stack.git_tone} label={stack.git_status} testId={'stack-git-' + id} />
      </div>
      <ul className="flex flex-wrap gap-2" aria-label={'Services of ' + id}>
        {services.map((s, i) => (
          <li key={i} className="flex items-center gap-1 text-sm">
            <span style={{ overflowWrap: 'anywhere' }}>{s.service}</span>
            <ToneBadge tone={s.tone} label={s.health} testId={'stack-service-' + id + '-' + i} />
          </li>
        ))}
        {!services.length ? (
          <li className="text-sm text-muted-foreground">no services running</li>
        ) : null}
      </ul>
      {stack.last_deploy ? (
        <p className="text-xs text-muted-foreground" style={{ overflowWrap: 'anywhere' }}>
          {'Last deploy: ' + stack.last_deploy}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-2">
        {deploy ? (
          <Button
            type="button"
            variant="outline"
            size="sm"
            data-testid={'stack-deploy-' + id}
            aria-label={'Deploy ' + id}
            disabled={busy}
            onClick={press}
          >
            {busy ? (
              <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden="true" />
            ) : (
              <Rocket className="h-4 w-4" aria-hidden="true" />
            )}
            {deploy.label}
          </Button>
        ) : null}
        {note ? (
          <span role="status" data-testid={'stack-note-' + id} className="text-sm text-foreground">
            {note}
          </span>
        ) : null}
      </div>
    </li>
  );
}

export default function StacksPanel() {
  const p = props || {};
  const stacks = Array.isArray(p.stacks) ? p.stacks : [];
  const failed = p.status === 'error' || p.status === 'denied';
  const scope = 'stacks-panel:' + (p.widget_id || 'x');
  return (
    <section
      data-testid="stacks-panel"
      data-jarvis="panel"
      aria-label="Stacks"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">Stacks</h3>
        <span className="text-sm text-muted-foreground" data-testid="stacks-summary">
          {stacks.length + (stacks.length === 1 ? ' stack' : ' stacks') +
            (p.more ? ' (and ' + p.more + ' more)' : '')}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {(p.status === 'denied' ? 'Denied: ' : 'The stacks could not be read: ') +
            (p.message || 'unknown error')}
        </p>
      ) : null}
      {!failed && !stacks.length ? (
        <p className="text-sm text-muted-foreground">No stacks found.</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Stacks">
        {stacks.map((s) => (
          <Stack key={s.name} stack={s} action={p.action || 'jarvis_tool'} scope={scope} />
        ))}
      </ul>
    </section>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import {
  CircleCheck,
  CircleDashed,
  CircleMinus,
  CircleX,
  LoaderCircle,
  TriangleAlert,
  RotateCcw
} from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/chat).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

const STEP_ICONS = {
  done: CircleCheck,
  succeeded: CircleCheck,
  skipped: CircleMinus,
  running: LoaderCircle,
  pending: CircleDashed,
  failed: CircleX,
  rolled_back: RotateCcw
};

const STEP_WORDS = {
  done: 'done',
  succeeded: 'done',
  skipped: 'skipped',
  running: 'running',
  pending: 'waiting',
  failed: 'failed',
  rolled_back: 'rolled back'
};

// Shared helpers: public/jarvis-widgets.js, loaded by custom_js in .chainlit/config.toml.
// Its hub keeps each domain's live progress across re-renders. Without it the panel still
// draws, but its live updates stop and say why.
const { hub: HUB, call } = window.JarvisWidgets
  ? window.JarvisWidgets.bind({ useCallback, useEffect, useRef, useState }, callAction)
  : { hub: { values: {} }, call: async () => ({ error: 'widget helpers not loaded' }) };

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

function Step({ step, index }) {
  const t = TONES[step.tone] || TONES.neutral;
  const Icon = STEP_ICONS[step.status] || CircleDashed;
  const spin = step.status === 'running' ? 'h-4 w-4 shrink-0 animate-spin' : 'h-4 w-4 shrink-0';
  return (
    <li
      data-testid={'step-' + step.name}
      aria-current={step.current ? 'step' : undefined}
      className={
        step.current
          ? 'flex items-center gap-2 rounded-md border bg-accent p-2'
          : 'flex items-center gap-2 rounded-md p-2'
      }
      style={step.current ? { borderColor: t.bg, borderWidth: '2px' } : undefined}
    >
      <Icon className={spin} style={{ color: t.bg }} aria-hidden="true" />
      <div className="flex min-w-0 flex-col">
        <span className="text-sm text-foreground font-semibold">
          {index + 1 + '. ' + step.label}
          <span className="text-xs text-muted-foreground">
            {' — ' + (STEP_WORDS[step.status] || step.status)}
          </span>
        </span>
        {step.message ? (
          <span
            className="text-xs text-muted-foreground"
            style={{ overflowWrap: 'anywhere' }}
          >
            {step.message}
          </span>
        ) : null}
      </div>
    </li>
  );
}

export default function ProvisioningProgress() {
  const p = props || {};
  const key = 'ProvisioningProgress|' + (p.widget_id || p.fqdn || 'default');
  const [live, setLive] = useState(() => HUB.values[key] || p);
  const [note, setNote] = useState('');
  const action = p.action || 'jarvis_domain_status';
  const pollMs = Math.max(1, Number(p.poll_seconds) || 2) * 1000;
  const running = Boolean(live.running);

  useEffect(() => {
    if (!running || !p.fqdn) return undefined;
    let stopped = false;
    const tick = async () => {
      const reply = await call(action, { fqdn: p.fqdn });
      if (stopped) return;
      if (reply && reply.error) {
        setNote('Live updates paused: ' + reply.error);
        return;
      }
      if (reply && Array.isArray(reply.steps)) {
        HUB.values[key] = reply;
        setLive(reply);
        setNote('');
      }
    };
    const timer = setInterval(tick, pollMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [running, p.fqdn, action, pollMs, key]);

  const steps = Array.isArray(live.steps) ? live.steps : [];
  const failed = live.status === 'error' || live.status === 'denied';
  const kind = live.kind === 'deprovision' ? 'Removal' : live.kind === 'renew_ssl' ? 'Renewal' : 'Provisioning';
  return (
    <section
      data-testid="provisioning-progress"
      aria-label={'Provisioning of ' + (live.fqdn || 'a domain')}
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold" style={{ overflowWrap: 'anywhere' }}>
          {kind + ' of ' + (live.fqdn || '?')}
        </h3>
        {live.task_status ? (
          <ToneBadge
            tone={live.task_tone}
            label={String(live.task_status).replace('_', ' ')}
            testId="provisioning-state"
          />
        ) : null}
      </header>
      {live.target ? (
        <p className="text-xs text-muted-foreground">
          {'Target '}
          <span className="font-mono text-foreground">{live.target}</span>
          {steps.length ? ' · ' + (live.done || 0) + ' of ' + steps.length + ' steps done' : ''}
        </p>
      ) : null}
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {live.status === 'denied' ? 'Denied: ' : 'Could not read the progress: '}
          {live.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !steps.length ? (
        <p className="text-sm text-muted-foreground">No task has run for this domain yet.</p>
      ) : null}
      <ol className="flex flex-col gap-1" aria-label="Steps">
        {steps.map((step, i) => (
          <Step key={step.name} step={step} index={i} />
        ))}
      </ol>
      {live.outcome_text ? (
        <p
          role="status"
          data-testid="provisioning-outcome"
          className="rounded-md border p-2 text-sm text-foreground font-semibold"
          style={{ overflowWrap: 'anywhere' }}
        >
          {live.outcome_text}
        </p>
      ) : null}
      {live.error && live.outcome_text && live.error !== live.outcome_text ? (
        <details data-testid="provisioning-details" className="text-xs text-muted-foreground">
          <summary className="cursor-pointer">Details</summary>
          <pre className="mt-1 whitespace-pre-wrap font-mono" style={{ overflowWrap: 'anywhere' }}>
            {live.error}
          </pre>
        </details>
      ) : null}
      <p aria-live="polite" data-testid="provisioning-note" className="text-xs text-muted-foreground">
        {running ? 'Updating every ' + pollMs / 1000 + ' s…' : ''}
        {note}
      </p>
    </section>
  );
}

import { CircleCheck, CircleMinus, CircleX, Clock, TriangleAlert } from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/e2e/test_theme.py).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

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

function Workflow({ w }) {
  const id = w.id;
  const last = w.last;
  return (
    <li
      data-testid={'n8n-workflow-' + id}
      aria-label={'Workflow ' + w.name}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {w.name}
        </span>
        <ToneBadge
          tone={w.active_tone}
          label={w.active ? 'active' : 'inactive'}
          testId={'n8n-active-' + id}
        />
        {(w.tags || []).map((t, i) => (
          <span key={i} className="text-xs text-muted-foreground">
            {'#' + t}
          </span>
        ))}
      </div>
      <div className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
        {last ? (
          <ToneBadge
            tone={last.tone}
            label={'last run ' + last.status}
            testId={'n8n-last-' + id}
          />
        ) : (
          <span data-testid={'n8n-last-' + id}>no recent run</span>
        )}
        {last ? (
          <span className="flex items-center gap-1 tabular-nums">
            <Clock className="h-3 w-3" aria-hidden="true" />
            {last.when_text}
          </span>
        ) : null}
        {w.updated_text ? <span>{w.updated_text}</span> : null}
      </div>
    </li>
  );
}

export default function N8nWorkflows() {
  const p = props || {};
  const workflows = Array.isArray(p.workflows) ? p.workflows : [];
  const failed = p.status === 'error' || p.status === 'denied';
  return (
    <section
      data-testid="n8n-workflows"
      data-jarvis="panel"
      aria-label="n8n workflows"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">n8n workflows</h3>
        <span className="text-sm text-muted-foreground" data-testid="n8n-summary">
          {(p.total || 0) + ' workflows, ' + (p.active || 0) + ' active'}
          {p.failing ? ', ' + p.failing + ' failing' : ''}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not ask n8n: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !workflows.length ? (
        <p className="text-sm text-muted-foreground">n8n has no workflows.</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Workflows">
        {workflows.map((w) => (
          <Workflow key={w.id} w={w} />
        ))}
      </ul>
    </section>
  );
}

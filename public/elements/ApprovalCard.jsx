import { useCallback, useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import {
  Check,
  CircleCheck,
  CircleMinus,
  CircleX,
  LoaderCircle,
  ShieldAlert,
  ShieldCheck,
  TriangleAlert,
  X
} from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/chat).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};
const RESULT_TONES = { ok: 'ok', no_data: 'ok', error: 'bad', denied: 'bad' };

// Shared helpers: public/jarvis-widgets.js, loaded by custom_js in .chainlit/config.toml.
// Without it the widget still draws, but keeps no state across re-renders and its buttons
// answer why.
const { usePersisted, call } = window.JarvisWidgets
  ? window.JarvisWidgets.bind({ useCallback, useEffect, useRef, useState }, callAction)
  : {
      usePersisted: (scope, key, initial) => useState(initial),
      call: async () => ({ error: 'widget helpers not loaded' })
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

// `wide` takes a line of its own; the others sit side by side (a <dl> may hold only the
// <div> of each term, so the layout is the list's own flex wrap).
function Field({ label, wide, children }) {
  return (
    <div className="flex flex-col gap-1 min-w-0" style={wide ? { flexBasis: '100%' } : undefined}>
      <dt className="text-xs font-semibold uppercase text-muted-foreground">{label}</dt>
      <dd className="text-sm text-foreground" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </dd>
    </div>
  );
}

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export default function ApprovalCard() {
  const base = props || {};
  const id = base.approval_id || base.widget_id || '';
  const scope = 'ApprovalCard:' + id;
  // The decided card, kept until the element is re-sent with it.
  const [decided, setDecided] = usePersisted(scope, 'decided', null);
  const [busy, setBusy] = usePersisted(scope, 'busy', '');
  const [error, setError] = usePersisted(scope, 'error', '');
  const p = decided && base.status === 'pending' ? decided : base;
  const pending = p.status === 'pending';

  const decide = useCallback(
    async (approve) => {
      setBusy(approve ? 'approve' : 'reject');
      setError('');
      const next = await call(base.action || 'jarvis_decide', {
        approval_id: id,
        approve
      });
      if (!next || next.error || !next.status) {
        setError((next && next.error) || 'no answer');
      } else {
        setDecided(next);
        try {
          await updateElement(next);
        } catch (err) {
          // The card already shows the answer; only the stored copy is stale.
        }
      }
      setBusy('');
    },
    [base.action, id, setBusy, setError, setDecided]
  );

  const result = p.result || null;
  const subject = (p.tool || 'call') + (p.resource ? ' on ' + p.resource : '');
  return (
    <section
      data-testid={'approval-card-' + id}
      aria-label={'Approval for ' + subject}
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="flex items-center gap-2 text-base font-semibold">
          {pending ? (
            <ShieldAlert className="h-4 w-4 shrink-0" aria-hidden="true" />
          ) : (
            <ShieldCheck className="h-4 w-4 shrink-0" aria-hidden="true" />
          )}
          {pending ? 'Approval needed' : 'Approval'}
        </h3>
        <div className="flex flex-wrap items-center gap-2">
          <ToneBadge
            tone={p.risk_tone}
            label={'risk: ' + (p.risk || '?')}
            testId={'approval-risk-' + id}
          />
          <ToneBadge
            tone={p.status_tone}
            label={p.status || '?'}
            testId={'approval-status-' + id}
          />
        </div>
      </header>
      {p.headline ? (
        <p className="text-base" data-testid={'approval-summary-' + id}>
          <span className="font-semibold">{p.headline}</span>
          {' — ' + (p.asked || '') + (p.why ? '; ' + p.why : '')}
        </p>
      ) : null}
      <dl className="flex flex-wrap gap-3" style={{ columnGap: '1rem' }}>
        <Field label="What" wide>
          <code className="font-mono font-semibold">{p.tool}</code>
          {p.args_text && p.args_text !== '{}' ? (
            <pre
              className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap rounded-md border bg-muted p-2 font-mono text-xs"
              style={{ overflowWrap: 'anywhere' }}
            >
              {p.args_text}
            </pre>
          ) : null}
        </Field>
        <Field label="Resource">
          <code className="font-mono">{p.resource}</code>
        </Field>
        <Field label="Asked by">{p.actor}</Field>
        <Field label="Why" wide>
          {p.why || p.reason}
          {p.rule ? (
            <span className="block text-xs text-muted-foreground">{'Policy rule: ' + p.rule}</span>
          ) : null}
        </Field>
        {p.purpose ? (
          <Field label="Context" wide>
            {p.purpose}
          </Field>
        ) : null}
        {p.diff ? (
          <Field label="Preview" wide>
            <pre
              tabIndex={0}
              aria-label="Preview of the change"
              data-testid={'approval-diff-' + id}
              className="max-h-96 overflow-auto rounded-md border bg-muted p-2 font-mono text-xs"
            >
              {p.diff}
            </pre>
          </Field>
        ) : null}
      </dl>
      {pending ? (
        <div className="flex flex-wrap items-center gap-2">
          <Button
            size="sm"
            onClick={() => decide(true)}
            disabled={Boolean(busy)}
            aria-label={'Approve ' + subject}
            data-testid={'approve-' + id}
          >
            {busy === 'approve' ? (
              <LoaderCircle className="animate-spin" aria-hidden="true" />
            ) : (
              <Check aria-hidden="true" />
            )}
            Approve
          </Button>
          <Button
            size="sm"
            variant="outline"
            onClick={() => decide(false)}
            disabled={Boolean(busy)}
            aria-label={'Reject ' + subject}
            data-testid={'reject-' + id}
          >
            {busy === 'reject' ? (
              <LoaderCircle className="animate-spin" aria-hidden="true" />
            ) : (
              <X aria-hidden="true" />
            )}
            Reject
          </Button>
          {p.expires_at ? (
            <span className="text-xs text-muted-foreground">
              {'expires ' + when(p.expires_at)}
            </span>
          ) : null}
        </div>
      ) : null}
      <div
        role="status"
        aria-live="polite"
        data-testid={'approval-outcome-' + id}
        className="flex flex-col gap-2 text-sm text-foreground"
      >
        {busy ? (
          <span>{busy === 'approve' ? 'Approving and running…' : 'Rejecting…'}</span>
        ) : null}
        {error ? <span>{'Could not record the answer: ' + error}</span> : null}
        {!pending && p.decided_by ? (
          <span className="text-muted-foreground">
            {p.status +
              ' by ' +
              p.decided_by +
              (p.decided_at ? ', ' + when(p.decided_at) : '')}
          </span>
        ) : null}
        {result ? (
          <div
            className="flex flex-wrap items-center gap-2"
            data-testid={'approval-result-' + id}
          >
            <ToneBadge
              tone={RESULT_TONES[result.status] || 'neutral'}
              label={'result: ' + result.status}
            />
            <span style={{ overflowWrap: 'anywhere' }}>{result.text}</span>
          </div>
        ) : null}
        {p.message ? <span style={{ overflowWrap: 'anywhere' }}>{p.message}</span> : null}
      </div>
    </section>
  );
}

import { CircleAlert, CircleCheck, Info, TriangleAlert, X } from 'lucide-react';
import { useEffect } from 'react';
import { useToasts, type Toast } from './toast-store.js';

const ICONS = { ok: CircleCheck, error: CircleAlert, warn: TriangleAlert, info: Info } as const;
/** Long enough to read a sentence and reach the action; errors stay until dismissed. */
const VISIBLE_MS = 8000;

function ToastView({ toast }: { toast: Toast }) {
  const dismiss = useToasts((s) => s.dismiss);
  useEffect(() => {
    if (toast.tone === 'error') return;
    const t = setTimeout(() => dismiss(toast.id), VISIBLE_MS);
    return () => clearTimeout(t);
  }, [toast.id, toast.tone, dismiss]);
  const Icon = ICONS[toast.tone];
  return (
    <div className={`toast ${toast.tone}`} role={toast.tone === 'error' ? 'alert' : 'status'} aria-label={toast.title}>
      <Icon size={16} aria-hidden="true" className={`status-icon status-${toast.tone === 'ok' ? 'ok' : toast.tone === 'error' ? 'failing' : 'running'}`} />
      <div className="toast-body">
        <p className="toast-title">{toast.title}</p>
        {toast.text && <p className="toast-text">{toast.text}</p>}
      </div>
      <button type="button" className="quiet icon-only small" aria-label={`Dismiss: ${toast.title}`} onClick={() => dismiss(toast.id)}>
        <X size={14} aria-hidden="true" />
      </button>
      {toast.actions.length > 0 && (
        <div className="toast-actions">
          {toast.actions.map((a) => (
            <button
              key={a.label}
              type="button"
              className="small"
              onClick={() => {
                a.run();
                dismiss(toast.id);
              }}
            >
              {a.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** The toasts, bottom right, after the main content (so screens' own status lines come first). */
export function Toaster() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <section className="toasts" aria-label="Job updates">
      {toasts.map((t) => (
        <ToastView key={t.id} toast={t} />
      ))}
    </section>
  );
}

import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';

/** What a view shows when there is nothing yet: an icon, one line saying so, and what to do. */
export function EmptyState({ icon: Icon, title, children, action }: { icon: LucideIcon; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <Icon size={28} aria-hidden="true" />
      <p className="empty-state-title">{title}</p>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

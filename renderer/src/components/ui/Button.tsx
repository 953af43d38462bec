import type { ButtonHTMLAttributes, ReactNode } from 'react';
import type { LucideIcon } from 'lucide-react';
import { shortcutLabel, type Shortcut } from '../shell/shortcuts.js';

export type ButtonWeight = 'primary' | 'secondary' | 'quiet' | 'danger';

interface Props extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** primary: the one main action of a view; secondary: the default; quiet: toolbars and rows; danger: destroys or stops. */
  weight?: ButtonWeight;
  icon?: LucideIcon;
  /** Shown in the tooltip and announced (aria-keyshortcuts); the shell binds the key. */
  shortcut?: Shortcut;
  children?: ReactNode;
}

/** A button of one of three weights (plus danger), with an optional icon and keyboard shortcut. */
export function Button({ weight = 'secondary', icon: Icon, shortcut, className, title, children, type = 'button', ...rest }: Props) {
  const classes = [weight === 'secondary' ? '' : weight, className ?? ''].filter(Boolean).join(' ');
  const tip = shortcut ? `${title ?? (typeof children === 'string' ? children : rest['aria-label'] ?? '')} (${shortcutLabel(shortcut)})` : title;
  return (
    <button type={type} className={classes || undefined} title={tip} aria-keyshortcuts={shortcut ? shortcut.aria : undefined} {...rest}>
      {Icon && <Icon size={14} aria-hidden="true" />}
      {children}
    </button>
  );
}

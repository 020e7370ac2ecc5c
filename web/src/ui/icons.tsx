/** A small set of line icons drawn inline (no icon font, nothing fetched). */
import type { JSX } from 'preact';

const ICONS = {
  seal: () => (
    <>
      <path d="M9 3h6v4.5l-1.2 4.5h-3.6L9 7.5z" />
      <rect x="4.5" y="13.5" width="15" height="4" rx="1" />
      <path d="M5 21h14" />
    </>
  ),
  pending: () => (
    <>
      <rect x="8.5" y="2.5" width="7" height="4" rx="1" />
      <path d="M8.5 4.5H6a1 1 0 0 0-1 1V20a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V5.5a1 1 0 0 0-1-1h-2.5" />
      <path d="M9 14l2 2 4-4.5" />
    </>
  ),
  shield: () => <path d="M12 3l8 3v6c0 5-3.4 8-8 9-4.6-1-8-4-8-9V6z" />,
  search: () => (
    <>
      <path d="M4 6h16M4 11h8M4 16h5" />
      <circle cx="16.5" cy="15.5" r="3.5" />
      <path d="M19 18l2.5 2.5" />
    </>
  ),
  alert: () => (
    <>
      <path d="M10.3 4.2L2.6 18a2 2 0 0 0 1.7 3h15.4a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0z" />
      <path d="M12 9.5v4.5M12 17.2v.1" />
    </>
  ),
  fileCheck: () => (
    <>
      <path d="M14 3H7a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h10a1 1 0 0 0 1-1V7z" />
      <path d="M14 3v4h4M9.5 14l2 2 3.5-4" />
    </>
  ),
  lift: () => (
    <>
      <rect x="4" y="3" width="16" height="18" rx="2" />
      <path d="M12 3v18M6.5 10.5L8 8.5l1.5 2M14.5 13.5l1.5 2 1.5-2" />
    </>
  ),
  wrench: () => <path d="M14.5 6.5a4 4 0 0 0-5.2 5.2L3.5 17.5a1.8 1.8 0 0 0 2.5 2.5l5.8-5.8a4 4 0 0 0 5.2-5.2l-2.4 2.4-2.3-.5-.5-2.3z" />,
  chart: () => <path d="M4 20h16M7 16.5v-5M12 16.5v-10M17 16.5v-7" />,
  calendar: () => (
    <>
      <rect x="3.5" y="5" width="17" height="15.5" rx="2" />
      <path d="M3.5 10h17M8 3v4M16 3v4" />
    </>
  ),
  device: () => (
    <>
      <rect x="3" y="13" width="18" height="8" rx="2" />
      <path d="M7 17h.01M11 17h.01M12 13V9.5M9 7.5a4.2 4.2 0 0 1 6 0M6.5 5a7.8 7.8 0 0 1 11 0" />
    </>
  ),
  users: () => (
    <>
      <circle cx="9" cy="8" r="3.5" />
      <path d="M2.5 20c.8-3.5 3.3-5.5 6.5-5.5s5.7 2 6.5 5.5M16 4.6a3.5 3.5 0 0 1 0 6.8M18 14.8c1.9.7 3.1 2.4 3.5 5.2" />
    </>
  ),
  settings: () => (
    <>
      <path d="M4 6h9M18 6h2M4 12h3M11 12h9M4 18h11M19 18h1" />
      <circle cx="15.5" cy="6" r="2" />
      <circle cx="9" cy="12" r="2" />
      <circle cx="17" cy="18" r="2" />
    </>
  ),
  logout: () => <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />,
  globe: () => (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M3 12h18M12 3c2.4 2.5 3.6 5.5 3.6 9s-1.2 6.5-3.6 9M12 3C9.6 5.5 8.4 8.5 8.4 12s1.2 6.5 3.6 9" />
    </>
  ),
  eye: () => (
    <>
      <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z" />
      <circle cx="12" cy="12" r="3" />
    </>
  ),
  eyeOff: () => (
    <>
      <path d="M10.6 5.1A10.6 10.6 0 0 1 12 5c6.4 0 10 7 10 7a17 17 0 0 1-2.6 3.5M6.6 6.6C3.7 8.4 2 12 2 12s3.6 7 10 7c1.9 0 3.5-.6 4.9-1.4M9.9 9.9a3 3 0 0 0 4.2 4.2M3 3l18 18" />
    </>
  ),
  refresh: () => <path d="M20 12a8 8 0 1 1-2.3-5.7M20 4v4.5h-4.5" />,
  inbox: () => <path d="M3 13.5L6 5h12l3 8.5V19a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1zM3 13.5h5l1.2 2.5h5.6l1.2-2.5h5" />,
  lock: () => (
    <>
      <rect x="5" y="11" width="14" height="10" rx="2" />
      <path d="M8 11V7.5a4 4 0 0 1 8 0V11" />
    </>
  ),
  close: () => <path d="M6 6l12 12M18 6L6 18" />,
  info: () => (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 11v5.5M12 7.8v.1" />
    </>
  ),
  check: () => (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M8 12.3l2.8 2.7 5.2-6" />
    </>
  ),
  chevronDown: () => <path d="M6 9l6 6 6-6" />,
  user: () => (
    <>
      <circle cx="12" cy="8" r="4" />
      <path d="M4 21c1-4 4-6 8-6s7 2 8 6" />
    </>
  ),
  clock: () => (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3.2 2" />
    </>
  ),
  download: () => <path d="M12 4v11M7.5 10.5 12 15l4.5-4.5M5 20h14" />,
  unlock: () => (
    <>
      <rect x="5" y="11" width="14" height="10" rx="2" />
      <path d="M8 11V7.5a4 4 0 0 1 7.7-1.5" />
    </>
  ),
  battery: () => (
    <>
      <rect x="2.5" y="7.5" width="17" height="9" rx="2" />
      <path d="M22 10.5v3M6 10.5v3M9.5 10.5v3" />
    </>
  ),
  image: () => (
    <>
      <rect x="3" y="4.5" width="18" height="15" rx="2" />
      <circle cx="8.5" cy="9.5" r="1.6" />
      <path d="M21 16l-5-5-9 8.5" />
    </>
  ),
  chevronLeft: () => <path d="M15 6l-6 6 6 6" />,
  chevronRight: () => <path d="M9 6l6 6-6 6" />,
  emergency: () => (
    <>
      <path d="M12 3.5 2.8 19.5h18.4z" />
      <path d="M12 9.5v4.5M12 16.8v.1" />
    </>
  ),
  plus: () => <path d="M12 5v14M5 12h14" />,
  copy: () => (
    <>
      <rect x="8.5" y="8.5" width="12" height="12" rx="2" />
      <path d="M15.5 8.5V5a1.5 1.5 0 0 0-1.5-1.5H5A1.5 1.5 0 0 0 3.5 5v9A1.5 1.5 0 0 0 5 15.5h3.5" />
    </>
  ),
  key: () => (
    <>
      <circle cx="8" cy="15" r="4" />
      <path d="M10.8 12.2 20 3M16 7l2.5 2.5M14 9l2 2" />
    </>
  ),
} satisfies Record<string, () => JSX.Element>;

export type IconName = keyof typeof ICONS;

export function Icon({ name, size = 20, class: cls }: { name: IconName; size?: number; class?: string }) {
  return (
    <svg
      class={cls ? `icon ${cls}` : 'icon'}
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      stroke-width="1.8"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {ICONS[name]()}
    </svg>
  );
}

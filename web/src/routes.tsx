/**
 * Every page, who may see it, and its place in the navigation. A role sees exactly the entries
 * listing it; its first entry is its start page. To add a page: write it in pages/, add a
 * route here (and its `nav.*` label in i18n.ts).
 */
import type { ComponentChildren } from 'preact';
import type { Role } from './api.js';
import type { Key } from './i18n.js';
import type { IconName } from './ui/index.js';
import { DevicesPage } from './pages/admin-devices.js';
import { UsersPage } from './pages/admin-users.js';
import { ConfigPage } from './pages/admin-config.js';
import { ComingSoon } from './pages/coming-soon.js';
import { UiGallery } from './pages/ui-gallery.js';

export interface RouteDef {
  path: string;
  /** Navigation label and page title. */
  label: Key;
  icon: IconName;
  roles: Role[];
  /** Listed in the navigation (detail pages such as /keeper/requests/:id are not). */
  nav?: boolean;
  render: (params: Record<string, string>) => ComponentChildren;
}

export const ROUTES: RouteDef[] = [
  // 文书 (seal keeper)
  { path: '/keeper/requests', label: 'nav.keeper.requests', icon: 'seal', roles: ['keeper'], nav: true, render: () => <ComingSoon label="nav.keeper.requests" items="soon.keeper.requests" icon="seal" /> },
  // 书记 (approver)
  { path: '/approver/pending', label: 'nav.approver.pending', icon: 'pending', roles: ['approver'], nav: true, render: () => <ComingSoon label="nav.approver.pending" items="soon.approver.pending" icon="pending" /> },
  { path: '/approver/seals', label: 'nav.approver.seals', icon: 'lock', roles: ['approver'], nav: true, render: () => <ComingSoon label="nav.approver.seals" items="soon.approver.seals" icon="lock" /> },
  // 纪检监察 (inspector)
  { path: '/inspector/logs', label: 'nav.inspector.logs', icon: 'search', roles: ['inspector'], nav: true, render: () => <ComingSoon label="nav.inspector.logs" items="soon.inspector.logs" icon="search" /> },
  { path: '/inspector/anomalies', label: 'nav.inspector.anomalies', icon: 'alert', roles: ['inspector'], nav: true, render: () => <ComingSoon label="nav.inspector.anomalies" items="soon.inspector.anomalies" icon="alert" /> },
  { path: '/inspector/verify', label: 'nav.inspector.verify', icon: 'fileCheck', roles: ['inspector'], nav: true, render: () => <ComingSoon label="nav.inspector.verify" items="soon.inspector.verify" icon="fileCheck" /> },
  // 维保 (maintainer)
  { path: '/maintainer/board', label: 'nav.maintainer.board', icon: 'lift', roles: ['maintainer'], nav: true, render: () => <ComingSoon label="nav.maintainer.board" items="soon.maintainer.board" icon="lift" /> },
  { path: '/maintainer/faults', label: 'nav.maintainer.faults', icon: 'wrench', roles: ['maintainer'], nav: true, render: () => <ComingSoon label="nav.maintainer.faults" items="soon.maintainer.faults" icon="wrench" /> },
  { path: '/maintainer/stats', label: 'nav.maintainer.stats', icon: 'chart', roles: ['maintainer'], nav: true, render: () => <ComingSoon label="nav.maintainer.stats" items="soon.maintainer.stats" icon="chart" /> },
  { path: '/maintainer/schedule', label: 'nav.maintainer.schedule', icon: 'calendar', roles: ['maintainer'], nav: true, render: () => <ComingSoon label="nav.maintainer.schedule" items="soon.maintainer.schedule" icon="calendar" /> },
  // 管理员 (admin)
  { path: '/admin/devices', label: 'nav.admin.devices', icon: 'device', roles: ['admin'], nav: true, render: () => <DevicesPage /> },
  { path: '/admin/users', label: 'nav.admin.users', icon: 'users', roles: ['admin'], nav: true, render: () => <UsersPage /> },
  { path: '/admin/config', label: 'nav.admin.config', icon: 'settings', roles: ['admin'], nav: true, render: () => <ConfigPage /> },
  // the shared UI pieces on one page, for developers (not in the navigation)
  { path: '/dev/ui', label: 'nav.dev.ui', icon: 'settings', roles: ['admin'], render: () => <UiGallery /> },
];

export function navFor(role: Role): RouteDef[] {
  return ROUTES.filter((r) => r.nav && r.roles.includes(role));
}

/** Where a role lands after logging in. */
export function homeOf(role: Role): string {
  return navFor(role)[0]?.path ?? '/';
}

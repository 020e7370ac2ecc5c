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
import { KeeperRequestPage, KeeperRequestsPage } from './pages/keeper-requests.js';
import { ApproverPendingPage, ApproverRequestPage } from './pages/approver-pending.js';
import { ApproverSealsPage } from './pages/approver-seals.js';
import { InspectorRequestPage, StampLogPage } from './pages/inspector-logs.js';
import { AnomaliesPage } from './pages/inspector-anomalies.js';
import { VerifyPage } from './pages/inspector-verify.js';
import { LiftBoardPage, LiftDetailPage } from './pages/lift-board.js';
import { FaultDetailPage, FaultsPage } from './pages/lift-faults.js';
import { StatsPage } from './pages/lift-stats.js';
import { SchedulePage } from './pages/lift-schedule.js';
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
  { path: '/keeper/requests', label: 'nav.keeper.requests', icon: 'seal', roles: ['keeper'], nav: true, render: () => <KeeperRequestsPage /> },
  { path: '/keeper/requests/:id', label: 'nav.keeper.requests', icon: 'seal', roles: ['keeper'], render: (p) => <KeeperRequestPage id={p.id!} /> },
  // 书记 (approver); they also read the stamp log, anomalies and verification (DESIGN §7)
  { path: '/approver/pending', label: 'nav.approver.pending', icon: 'pending', roles: ['approver'], nav: true, render: () => <ApproverPendingPage /> },
  { path: '/approver/pending/:id', label: 'nav.approver.pending', icon: 'pending', roles: ['approver'], render: (p) => <ApproverRequestPage id={p.id!} /> },
  { path: '/approver/seals', label: 'nav.approver.seals', icon: 'lock', roles: ['approver'], nav: true, render: () => <ApproverSealsPage /> },
  // 纪检监察 (inspector), and approvers
  { path: '/inspector/logs', label: 'nav.inspector.logs', icon: 'search', roles: ['inspector', 'approver'], nav: true, render: () => <StampLogPage /> },
  { path: '/inspector/logs/:id', label: 'nav.inspector.logs', icon: 'search', roles: ['inspector', 'approver'], render: (p) => <InspectorRequestPage id={p.id!} /> },
  { path: '/inspector/anomalies', label: 'nav.inspector.anomalies', icon: 'alert', roles: ['inspector', 'approver'], nav: true, render: () => <AnomaliesPage /> },
  { path: '/inspector/verify', label: 'nav.inspector.verify', icon: 'fileCheck', roles: ['inspector', 'approver'], nav: true, render: () => <VerifyPage /> },
  // 维保 (maintainer)
  { path: '/maintainer/board', label: 'nav.maintainer.board', icon: 'lift', roles: ['maintainer'], nav: true, render: () => <LiftBoardPage /> },
  { path: '/maintainer/board/:id', label: 'nav.maintainer.board', icon: 'lift', roles: ['maintainer'], render: (p) => <LiftDetailPage id={p.id!} /> },
  { path: '/maintainer/faults', label: 'nav.maintainer.faults', icon: 'wrench', roles: ['maintainer'], nav: true, render: () => <FaultsPage /> },
  { path: '/maintainer/faults/:id', label: 'nav.maintainer.faults', icon: 'wrench', roles: ['maintainer'], render: (p) => <FaultDetailPage id={p.id!} /> },
  { path: '/maintainer/stats', label: 'nav.maintainer.stats', icon: 'chart', roles: ['maintainer'], nav: true, render: () => <StatsPage /> },
  { path: '/maintainer/schedule', label: 'nav.maintainer.schedule', icon: 'calendar', roles: ['maintainer'], nav: true, render: () => <SchedulePage /> },
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

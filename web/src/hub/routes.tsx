/** The hub's pages and their place in the navigation (no roles: whoever holds the hub's token sees them all). */
import type { ComponentChildren } from 'preact';
import type { Key } from '../i18n.js';
import type { IconName } from '../ui/index.js';
import { SitePage, SitesPage } from './sites.js';
import { HubLogsPage, HubRecordPage } from './logs.js';
import { HubAlarmsPage } from './alarms.js';

export interface HubRoute {
  path: string;
  label: Key;
  icon: IconName;
  nav?: boolean;
  render: (params: Record<string, string>) => ComponentChildren;
}

export const HUB_ROUTES: HubRoute[] = [
  { path: '/hub/sites', label: 'hubNav.sites', icon: 'shield', nav: true, render: () => <SitesPage /> },
  { path: '/hub/sites/:gw', label: 'hubNav.sites', icon: 'shield', render: (p) => <SitePage gw={p.gw!} /> },
  { path: '/hub/logs', label: 'hubNav.logs', icon: 'search', nav: true, render: () => <HubLogsPage /> },
  { path: '/hub/logs/:gw/:seq', label: 'hubNav.logs', icon: 'search', render: (p) => <HubRecordPage gw={p.gw!} seq={Number(p.seq)} /> },
  { path: '/hub/alarms', label: 'hubNav.alarms', icon: 'alert', nav: true, render: () => <HubAlarmsPage /> },
];

export const HUB_HOME = '/hub/sites';

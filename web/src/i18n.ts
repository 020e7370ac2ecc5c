/**
 * Every visible string of the pages: Simplified Chinese (default) and English. `t(key, vars)`
 * looks a key up in the current language and fills `{name}` placeholders. The English
 * dictionary is typed against the Chinese one, so a key missing in either fails the build.
 */

import { sealEn, sealZh } from './i18n-seal.js';
import { liftEn, liftZh } from './i18n-lift.js';
import { adminEn, adminZh } from './i18n-admin.js';
import { hubEn, hubZh } from './i18n-hub.js';

export type Lang = 'zh' | 'en';

const zh = {
  'app.name': 'sealift 网关',
  'app.tagline': '智能印章与电梯安全网关',

  // language switch
  'lang.switchTo': 'English',
  'lang.switchLabel': '切换语言 / Switch language',

  // roles
  'role.keeper': '文书',
  'role.approver': '书记(审批)',
  'role.inspector': '纪检监察',
  'role.maintainer': '维保',
  'role.admin': '管理员',

  // login
  'login.title': '登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.busy': '正在登录…',
  'login.showPassword': '显示',
  'login.hidePassword': '隐藏',
  'login.needUsername': '请输入用户名',
  'login.needPassword': '请输入密码',
  'login.help': '忘记密码或没有账号，请联系本站管理员。',
  'login.expired': '登录已过期，请重新登录。',
  'login.loggedOut': '您已退出登录。',

  // shell
  'shell.logout': '退出登录',
  'shell.menu': '账号菜单',
  'shell.nav': '主导航',
  'shell.loading': '正在加载…',
  'shell.skip': '跳到主要内容',

  // navigation (one entry per page)
  'nav.keeper.requests': '用印申请',
  'nav.approver.pending': '待审批',
  'nav.approver.seals': '印章状态',
  'nav.inspector.logs': '用印记录',
  'nav.inspector.anomalies': '异常',
  'nav.inspector.verify': '导出与校验',
  'nav.maintainer.board': '电梯看板',
  'nav.maintainer.faults': '故障',
  'nav.maintainer.stats': '统计',
  'nav.maintainer.schedule': '维保计划',
  'nav.admin.devices': '设备',
  'nav.admin.users': '用户',
  'nav.admin.config': '配置',

  // errors (by API error code, plus client-side ones)
  'error.bad_credentials': '用户名或密码错误',
  'error.locked_out': '登录失败次数过多，请 {minutes} 分钟后再试',
  'error.not_logged_in': '请先登录',
  'error.forbidden': '无权访问：您的角色（{role}）不能查看或执行此操作。',
  'error.forbiddenTitle': '无权访问',
  'error.forbiddenHint': '您的角色（{role}）不能查看或执行此操作。如有需要，请联系本站管理员。',
  'error.not_found': '找不到所请求的内容',
  'error.invalid_request': '提交的内容有误，请检查后再试',
  'error.network': '无法连接网关，请检查网络后重试',
  'error.server': '网关出错了，请稍后再试（{status}）',
  'error.unknown': '操作失败：{message}',
  'error.title': '出错了',
  'error.retry': '重试',
  'error.pageNotFound': '页面不存在',
  'error.pageNotFoundHint': '请从导航中选择一个页面。',
  'error.backHome': '返回首页',

  // field validation (client side and mapped from the API's messages)
  'field.required': '此项必填',
  'field.minLength': '至少 {n} 个字符',
  'field.maxLength': '最多 {n} 个字符',
  'field.min': '不能小于 {n}',
  'field.max': '不能大于 {n}',
  'field.integer': '请输入整数',
  'field.number': '请输入数字',
  'field.pattern': '格式不正确',
  'field.enum': '请选择一个有效的选项',
  'field.invalid': '此项有误',

  // common
  'common.ok': '确定',
  'common.cancel': '取消',
  'common.close': '关闭',
  'common.confirm': '确认',
  'common.save': '保存',
  'common.refresh': '刷新',
  'common.loading': '正在加载…',
  'common.none': '—',
  'common.listSep': '，',
  'common.total': '共 {n} 项',
  'common.yes': '是',
  'common.no': '否',

  // status badges
  'status.ok': '正常',
  'status.warn': '注意',
  'status.critical': '告警',
  'status.offline': '离线',

  // live feed
  'live.open': '实时',
  'live.connecting': '连接中…',
  'live.closed': '已断开，正在重连',

  // time
  'time.justNow': '刚刚',
  'time.secondsAgo': '{n} 秒前',
  'time.minutesAgo': '{n} 分钟前',
  'time.hoursAgo': '{n} 小时前',
  'time.daysAgo': '{n} 天前',
  'time.inSeconds': '{n} 秒后',
  'time.inMinutes': '{n} 分钟后',
  'time.inHours': '{n} 小时后',
  'time.inDays': '{n} 天后',
  'duration.s': '{s} 秒',
  'duration.ms': '{m} 分 {s} 秒',
  'duration.hm': '{h} 小时 {m} 分',
  'duration.dh': '{d} 天 {h} 小时',

  // device profiles
  'profile.seal-ssp1-serial': '串口智能印章',
  'profile.seal-mqtt': '4G智能印章',
  'profile.lift-modbus': '电梯控制器(Modbus)',
  'profile.lift-kit-mqtt': '电梯传感器套件',
  'device.kind.seal': '印章',
  'device.kind.lift': '电梯',

  // UI reference page (#/dev/ui)
  'nav.dev.ui': '界面组件',
  'gallery.title': '界面组件',
  'gallery.subtitle': '供开发参考：共用的界面元素及其样式（示例内容，非本站数据）',
  'gallery.buttons': '按钮、状态与对话框',
  'gallery.times': '时间显示',
  'gallery.form': '表单',
  'gallery.table': '表格',
  'gallery.state': '状态',
  'gallery.since': '时间',
  'gallery.fieldTitle': '文件标题',
  'gallery.fieldCount': '用印次数',
  'gallery.fieldKind': '事项类型',
  'gallery.fieldNote': '备注',
  'gallery.choose': '请选择',
  'gallery.saved': '已保存',
  'gallery.openConfirm': '危险操作',
  'gallery.confirmTitle': '确定要继续吗？',
  'gallery.confirmMessage': '此操作会被记录，且无法撤销。',
  'gallery.confirmed': '已确认',
  'gallery.cancelled': '已取消',
  'gallery.openReason': '填写理由',
  'gallery.reasonTitle': '驳回申请',
  'gallery.reason': '理由',
  'gallery.showToast': '错误提示',
  'gallery.toastError': '操作失败，请重试',
  'gallery.emptyTitle': '暂无记录',
  'gallery.emptyHint': '有新记录时会显示在这里。',

  // pages still to come (placeholders)
  'soon.badge': '即将上线',
  'soon.lead': '此页面正在建设中。上线后，这里将提供：',
  'soon.note': '在此之前，此页面不显示任何数据。',
  // the seal pages (keeper, approver, inspector): i18n-seal.ts
  ...sealZh,
  // the maintainer pages (lift board, faults, statistics, maintenance plan): i18n-lift.ts
  ...liftZh,
  // the admin pages (devices, users, configuration): i18n-admin.ts
  ...adminZh,
  // the hub's pages (sites, stamp logs across sites, alarms): i18n-hub.ts
  ...hubZh,
} as const;

export type Key = keyof typeof zh;

const en: Record<Key, string> = {
  'app.name': 'sealift gateway',
  'app.tagline': 'Smart seals and elevator safety gateway',

  'lang.switchTo': '中文',
  'lang.switchLabel': '切换语言 / Switch language',

  'role.keeper': 'Clerk',
  'role.approver': 'Secretary (approver)',
  'role.inspector': 'Inspector',
  'role.maintainer': 'Maintenance',
  'role.admin': 'Administrator',

  'login.title': 'Log in',
  'login.username': 'User name',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.busy': 'Logging in…',
  'login.showPassword': 'Show',
  'login.hidePassword': 'Hide',
  'login.needUsername': 'Enter your user name',
  'login.needPassword': 'Enter your password',
  'login.help': 'Forgot your password or have no account? Ask the site administrator.',
  'login.expired': 'Your session has expired. Please log in again.',
  'login.loggedOut': 'You have logged out.',

  'shell.logout': 'Log out',
  'shell.menu': 'Account menu',
  'shell.nav': 'Main navigation',
  'shell.loading': 'Loading…',
  'shell.skip': 'Skip to main content',

  'nav.keeper.requests': 'Stamp requests',
  'nav.approver.pending': 'To approve',
  'nav.approver.seals': 'Seals',
  'nav.inspector.logs': 'Stamp log',
  'nav.inspector.anomalies': 'Anomalies',
  'nav.inspector.verify': 'Export & verify',
  'nav.maintainer.board': 'Lift board',
  'nav.maintainer.faults': 'Faults',
  'nav.maintainer.stats': 'Statistics',
  'nav.maintainer.schedule': 'Maintenance plan',
  'nav.admin.devices': 'Devices',
  'nav.admin.users': 'Users',
  'nav.admin.config': 'Configuration',

  'error.bad_credentials': 'Wrong user name or password',
  'error.locked_out': 'Too many failed logins. Try again in {minutes} minutes',
  'error.not_logged_in': 'Please log in first',
  'error.forbidden': 'Access denied: your role ({role}) may not see or do this.',
  'error.forbiddenTitle': 'Access denied',
  'error.forbiddenHint': 'Your role ({role}) may not see or do this. If you need it, ask the site administrator.',
  'error.not_found': 'Not found',
  'error.invalid_request': 'Some of what you entered is not valid; please check and try again',
  'error.network': 'Cannot reach the gateway. Check the network and try again',
  'error.server': 'The gateway had a problem; please try again later ({status})',
  'error.unknown': 'That did not work: {message}',
  'error.title': 'Something went wrong',
  'error.retry': 'Try again',
  'error.pageNotFound': 'Page not found',
  'error.pageNotFoundHint': 'Choose a page from the navigation.',
  'error.backHome': 'Back to start',

  'field.required': 'Required',
  'field.minLength': 'At least {n} characters',
  'field.maxLength': 'At most {n} characters',
  'field.min': 'Must be at least {n}',
  'field.max': 'Must be at most {n}',
  'field.integer': 'Enter a whole number',
  'field.number': 'Enter a number',
  'field.pattern': 'Not in the right format',
  'field.enum': 'Choose one of the options',
  'field.invalid': 'Not valid',

  'common.ok': 'OK',
  'common.cancel': 'Cancel',
  'common.close': 'Close',
  'common.confirm': 'Confirm',
  'common.save': 'Save',
  'common.refresh': 'Refresh',
  'common.loading': 'Loading…',
  'common.none': '—',
  'common.listSep': ', ',
  'common.total': '{n} in total',
  'common.yes': 'Yes',
  'common.no': 'No',

  'status.ok': 'OK',
  'status.warn': 'Attention',
  'status.critical': 'Alarm',
  'status.offline': 'Offline',

  'live.open': 'Live',
  'live.connecting': 'Connecting…',
  'live.closed': 'Disconnected, reconnecting',

  'time.justNow': 'just now',
  'time.secondsAgo': '{n} s ago',
  'time.minutesAgo': '{n} min ago',
  'time.hoursAgo': '{n} h ago',
  'time.daysAgo': '{n} days ago',
  'time.inSeconds': 'in {n} s',
  'time.inMinutes': 'in {n} min',
  'time.inHours': 'in {n} h',
  'time.inDays': 'in {n} days',
  'duration.s': '{s} s',
  'duration.ms': '{m} min {s} s',
  'duration.hm': '{h} h {m} min',
  'duration.dh': '{d} d {h} h',

  'profile.seal-ssp1-serial': 'Smart seal (serial)',
  'profile.seal-mqtt': 'Smart seal (4G)',
  'profile.lift-modbus': 'Lift controller (Modbus)',
  'profile.lift-kit-mqtt': 'Lift sensor kit',
  'device.kind.seal': 'Seal',
  'device.kind.lift': 'Lift',

  'nav.dev.ui': 'UI components',
  'gallery.title': 'UI components',
  'gallery.subtitle': 'For developers: the shared building blocks of the pages (example content, not site data)',
  'gallery.buttons': 'Buttons, status and dialogs',
  'gallery.times': 'Times',
  'gallery.form': 'Form',
  'gallery.table': 'Table',
  'gallery.state': 'State',
  'gallery.since': 'When',
  'gallery.fieldTitle': 'Document title',
  'gallery.fieldCount': 'Number of stamps',
  'gallery.fieldKind': 'Matter type',
  'gallery.fieldNote': 'Note',
  'gallery.choose': 'Choose',
  'gallery.saved': 'Saved',
  'gallery.openConfirm': 'Dangerous action',
  'gallery.confirmTitle': 'Really continue?',
  'gallery.confirmMessage': 'This is recorded and cannot be undone.',
  'gallery.confirmed': 'Confirmed',
  'gallery.cancelled': 'Cancelled',
  'gallery.openReason': 'Give a reason',
  'gallery.reasonTitle': 'Reject the request',
  'gallery.reason': 'Reason',
  'gallery.showToast': 'Error message',
  'gallery.toastError': 'That did not work; try again',
  'gallery.emptyTitle': 'Nothing yet',
  'gallery.emptyHint': 'New records will appear here.',

  'soon.badge': 'Coming soon',
  'soon.lead': 'This page is being built. When it is ready, it will offer:',
  'soon.note': 'Until then, this page shows no data.',
  ...sealEn,
  ...liftEn,
  ...adminEn,
  ...hubEn,
};

const DICTS: Record<Lang, Record<Key, string>> = { zh, en };
const STORAGE_KEY = 'sealift.lang';

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    /* storage unavailable (private mode): default */
  }
  return 'zh';
}

let current: Lang = initialLang();
const listeners = new Set<(l: Lang) => void>();

function applyToDocument(l: Lang): void {
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}
applyToDocument(current);

export function lang(): Lang {
  return current;
}

/** Switch the language, remember it on this device, and re-render whoever listens. */
export function setLang(l: Lang): void {
  if (l === current) return;
  current = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* not persisted; still switched for this visit */
  }
  applyToDocument(l);
  for (const fn of listeners) fn(l);
}

export function onLangChange(fn: (l: Lang) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function isKey(key: string): key is Key {
  return Object.prototype.hasOwnProperty.call(zh, key);
}

/** The text of `key` in the current language, with `{name}` placeholders filled from `vars`. */
export function t(key: Key, vars?: Record<string, string | number>): string {
  const text = DICTS[current][key] ?? zh[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** A list stored as one `|`-separated entry (placeholder pages' bullet points). */
export function tList(key: Key): string[] {
  return t(key).split('|');
}

/** The shared UI pieces every page is built from. */
export { Icon, type IconName } from './icons.js';
export { Page, Card, CollapsibleCard, Stats, Stat, KeyValues } from './layout.js';
export { Button, Badge, StatusBadge, type ButtonVariant, type Tone } from './controls.js';
export { DataTable, type Column } from './table.js';
export { Loading, EmptyState, ErrorState, Notice } from './states.js';
export { useSubmit, required, Form, Field, FieldMessage, TextInput, NumberInput, PasswordInput, Select, TextArea, type SubmitState } from './form.js';
export { confirmDialog, DialogHost, toast, ToastHost, type ConfirmOptions, type ToastTone } from './overlay.js';
export { useApi, Loaded, RefreshButton, useNow, Time, Ago, Elapsed, LiveIndicator, type ApiState } from './data.js';
export { Pager } from './pager.js';
export { Modal, FormDialog } from './modal.js';
export { usePolling } from './poll.js';
export { BarChart, type Bar, type ChartTone } from './chart.js';
export { Segmented, CheckList } from './choice.js';

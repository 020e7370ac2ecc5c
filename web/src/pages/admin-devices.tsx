/** 设备: the provisioned seal sleeves and lift devices (GET /api/admin/devices). */
import { t } from '../i18n.js';
import { Badge, Button, Card, DataTable, Icon, Loaded, Page, Stat, Stats, useApi, type Column } from '../ui/index.js';

export type Profile = 'seal-ssp1-serial' | 'seal-mqtt' | 'lift-modbus' | 'lift-kit-mqtt';

export interface Device {
  id: string;
  profile: Profile;
  name?: string;
  port?: string;
  baud?: number;
  slave?: number;
  ratedSpeed?: number;
  floors?: { lo: number; hi: number };
}

export const isSeal = (p: Profile) => p.startsWith('seal-');

/** The device's type in words, with a seal or lift icon. */
export function ProfileLabel({ profile }: { profile: Profile }) {
  return (
    <span class="with-icon">
      <Icon name={isSeal(profile) ? 'seal' : 'lift'} size={18} />
      {t(`profile.${profile}`)}
    </span>
  );
}

/** How the gateway reaches it: a serial port (and Modbus slave address), or MQTT over the network. */
export function LinkLabel({ d }: { d: Device }) {
  if (!d.port) return <Badge tone="info">{t('devices.link.mqtt')}</Badge>;
  return (
    <span class="link-label">
      <code>{d.port}</code>
      {d.slave !== undefined && <span class="muted"> · {t('devices.link.slave', { slave: d.slave })}</span>}
    </span>
  );
}

function details(d: Device): string {
  const out: string[] = [];
  if (d.baud) out.push(t('devices.detail.baud', { baud: d.baud }));
  if (d.floors) out.push(t('devices.detail.floors', { lo: d.floors.lo, hi: d.floors.hi }));
  if (d.ratedSpeed) out.push(t('devices.detail.speed', { speed: d.ratedSpeed }));
  return out.join(t('common.listSep'));
}

export function DevicesPage() {
  const state = useApi<{ devices: Device[] }>('/api/admin/devices');
  const columns: Column<Device>[] = [
    { key: 'id', label: t('devices.col.id'), mono: true, primary: true },
    { key: 'name', label: t('devices.col.name') },
    { key: 'profile', label: t('devices.col.profile'), render: (d) => <ProfileLabel profile={d.profile} /> },
    { key: 'link', label: t('devices.col.link'), render: (d) => <LinkLabel d={d} /> },
    { key: 'details', label: t('devices.col.details'), render: (d) => details(d) || <span class="muted">—</span> },
  ];
  return (
    <Page
      title={t('devices.title')}
      subtitle={t('devices.subtitle')}
      actions={
        <Button icon="refresh" onClick={state.reload} busy={state.loading && state.data !== undefined}>
          {t('common.refresh')}
        </Button>
      }
    >
      <Loaded state={state}>
        {({ devices }) => (
          <>
            <Stats>
              <Stat icon="seal" label={t('devices.stat.seal')} value={devices.filter((d) => isSeal(d.profile)).length} />
              <Stat icon="lift" label={t('devices.stat.lift')} value={devices.filter((d) => !isSeal(d.profile)).length} />
            </Stats>
            <Card flush title={t('common.total', { n: devices.length })}>
              <DataTable
                label={t('devices.title')}
                columns={columns}
                rows={devices}
                rowKey={(d) => d.id}
                empty={{
                  title: t('devices.empty'),
                  hint: (
                    <>
                      {t('devices.emptyHint')}
                      <code class="cmd">sealift device add seal-01 --profile seal-ssp1-serial --port /dev/ttyUSB0</code>
                    </>
                  ),
                }}
              />
            </Card>
          </>
        )}
      </Loaded>
    </Page>
  );
}

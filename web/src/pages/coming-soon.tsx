/** A page whose API is not there yet: says plainly what it will offer, shows no data. */
import { t, tList, type Key } from '../i18n.js';
import { Badge, Card, Icon, Page, type IconName } from '../ui/index.js';

export function ComingSoon(props: { label: Key; items: Key; icon: IconName }) {
  return (
    <Page title={t(props.label)}>
      <Card class="soon">
        <div class="soon-head">
          <span class="soon-icon">
            <Icon name={props.icon} size={28} />
          </span>
          <Badge tone="info">{t('soon.badge')}</Badge>
        </div>
        <p class="soon-lead">{t('soon.lead')}</p>
        <ul class="soon-list">
          {tList(props.items).map((line) => (
            <li key={line}>
              <Icon name="check" size={18} />
              <span>{line}</span>
            </li>
          ))}
        </ul>
        <p class="soon-note">{t('soon.note')}</p>
      </Card>
    </Page>
  );
}

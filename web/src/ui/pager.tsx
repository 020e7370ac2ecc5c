/** Paging under a long list: "第 21–40 条，共 95 条" with previous / next. Hidden when one page holds everything. */
import { t } from '../i18n.js';
import { Button } from './controls.js';

export function Pager(props: { page: number; pageSize: number; total: number; onPage: (page: number) => void }) {
  const { page, pageSize, total } = props;
  if (total <= pageSize && page <= 1) return null;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  return (
    <nav class="pager" aria-label={t('pager.label')}>
      <Button small disabled={page <= 1} onClick={() => props.onPage(page - 1)} aria-label={t('pager.prevLabel')}>
        {t('pager.prev')}
      </Button>
      <span class="pager-info" aria-live="polite">
        {t('pager.info', { from, to, total })}
      </span>
      <Button small disabled={page >= pages} onClick={() => props.onPage(page + 1)} aria-label={t('pager.nextLabel')}>
        {t('pager.next')}
      </Button>
    </nav>
  );
}

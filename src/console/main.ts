import { createConclaveView } from './conclave-view.js';
import { createLogView } from './log-view.js';
import { mountStatusBar } from './status-bar.js';

/**
 * The observer console. Routes live in the URL hash, so every view can be linked and the server serves one page:
 *   #/log, #/events/<sequence>, #/conclave, #/conclave/<session id>.
 */
function start(): void {
  const main = document.getElementById('main') as HTMLElement;
  mountStatusBar(document.getElementById('status') as HTMLElement);
  const log = createLogView();
  const conclave = createConclaveView();
  main.append(log.element, conclave.element);

  const route = (): void => {
    const [view, argument] = window.location.hash.replace(/^#\/?/, '').split('/');
    const onConclave = view === 'conclave';
    log.element.hidden = onConclave;
    conclave.element.hidden = !onConclave;
    document.getElementById('tab-log')?.toggleAttribute('aria-current', !onConclave);
    document.getElementById('tab-conclave')?.toggleAttribute('aria-current', onConclave);
    for (const tab of document.querySelectorAll('.tabs a')) if (tab.hasAttribute('aria-current')) tab.setAttribute('aria-current', 'page');
    if (onConclave) conclave.show(argument === undefined || argument === '' ? undefined : decodeURIComponent(argument));
    else log.show(view === 'events' && argument !== undefined && /^[1-9][0-9]{0,14}$/.test(argument) ? Number(argument) : undefined);
  };
  window.addEventListener('hashchange', route);
  route();
}

start();

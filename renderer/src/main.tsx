import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api/client.js';
import { pickBridge } from './api/pick-bridge.js';
import { App } from './App.js';
import { applyStoredTheme } from './components/shell/theme-store.js';
import { connectStores } from './stores/connect-stores.js';
import './styles.css';

applyStoredTheme();
const root = document.getElementById('root');
const bridge = pickBridge();
if (root) {
  if (!bridge) {
    root.textContent = 'Lifeboat cannot reach its engine: open the URL that `npm run web` printed (it carries the access token), or start the desktop app.';
  } else {
    connectStores(createClient(bridge));
    createRoot(root).render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  }
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { prefetchConversation } from './api.js';
import { App } from './components/App.js';
import { parseRoute } from './router.js';
import { applyTheme, storedTheme } from './theme.js';
import './styles.css';

// Before the first render, so a chosen theme never flashes the other one.
applyTheme(storedTheme());
const route = parseRoute(window.location.pathname);
if (route.name === 'conversation') prefetchConversation(route.id);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

// Entry point: the styles and the app shell (the dashboard brings uPlot's styles with its chart).
import './styles.css';
import { render } from 'preact';
import { App } from './app.tsx';

const root = document.getElementById('app');
if (root) render(<App />, root);

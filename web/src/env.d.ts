// CSS files are imported for their side effect: esbuild gathers them into assets/app.css.
declare module '*.css';

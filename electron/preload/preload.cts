// The preload runs sandboxed, so it is CommonJS. It will expose the narrow `window.lifeboat` API
// once the IPC contract exists; until then it exposes nothing but the platform name.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload must be CommonJS
import electron = require('electron');

electron.contextBridge.exposeInMainWorld('lifeboatInfo', { platform: process.platform });

#!/usr/bin/env node
// Entry point of the `edgemq` command: runs the compiled CLI (npm ci builds dist/).
import '../dist/cli/main.js';

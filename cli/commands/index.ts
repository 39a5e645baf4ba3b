import type { Command } from '../command';
import { forget } from './forget';
import { list } from './list';
import { refresh } from './refresh';
import { replay } from './replay';
import { show } from './show';
import { token } from './token';

/** Every `b24-installs` command. A new one is a module beside these and one entry here. */
export const COMMANDS: readonly Command[] = [list, show, token, refresh, forget, replay];

// The command log: every change the helper ran, newest last.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CommandEvent } from '../../shared/protocol';

const KEEP = 500;

export const useCommands = defineStore('commands', () => {
  const entries = ref<(CommandEvent & { at: Date })[]>([]);
  function add(event: CommandEvent): void {
    entries.value.push({ ...event, at: new Date() });
    if (entries.value.length > KEEP) entries.value.splice(0, entries.value.length - KEEP);
  }
  function clear(): void {
    entries.value = [];
  }
  return { entries, add, clear };
});

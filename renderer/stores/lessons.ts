// The lessons panel: shipped and opened lessons, which steps are done, and "do it for me".
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { parseLesson, satisfied, type Lesson } from '../../shared/lesson';
import { TopologyFileError } from '../../shared/topology-file';
import { usePings } from './pings';
import { useTopology } from './topology';
import { useUi } from './ui';

const shippedText = import.meta.glob('../../lessons/*.yaml', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** Parsed on first look, not at start: checking every shipped lesson took a quarter of a second of the page's first draw. */
let shippedLessons: Lesson[] | null = null;
function shipped(): Lesson[] {
  shippedLessons ??= Object.keys(shippedText)
    .sort()
    .map((path) => parseLesson(shippedText[path] as string));
  return shippedLessons;
}

export const useLessons = defineStore('lessons', () => {
  /** Lessons the user opened from files; one with a shipped lesson's id takes its place. */
  const opened = ref<Lesson[]>([]);
  const lessons = computed<Lesson[]>(() => {
    const replaced = new Set(opened.value.map((l) => l.id));
    return [...shipped().filter((l) => !replaced.has(l.id)), ...opened.value];
  });
  const currentId = ref<string | null>(null);
  /** Where the pings this lesson counts begin in the app's ping history: at its start, or at the last Reset. */
  const pingsFrom = ref(0);
  const running = ref(false);
  // No lesson running, nothing to parse: the Lessons tab's label asks this at start.
  const current = computed(() => (currentId.value === null ? null : (lessons.value.find((l) => l.id === currentId.value) ?? null)));
  /**
   * Which steps are done, from the live lab: a step is done when its own check
   * holds or a later step's does (a later step may undo what an earlier one
   * checked, like moving the end that was "in the host for now").
   */
  const done = computed<boolean[]>(() => {
    const lesson = current.value;
    if (!lesson) return [];
    const lab = { namespaces: useTopology().namespaces };
    const pings = usePings().history.slice(pingsFrom.value);
    const holds = lesson.steps.map((step) => satisfied(step.check, lab, pings));
    let later = false;
    return holds.reduceRight<boolean[]>((out, h, i) => {
      later ||= h;
      out[i] = later;
      return out;
    }, []);
  });
  const ticked = computed(() => done.value.flatMap((d, i) => (d ? [i] : [])));
  const nextStep = computed(() => (current.value ? current.value.steps.findIndex((_, i) => !ticked.value.includes(i)) : -1));
  const complete = computed(() => !!current.value && nextStep.value === -1);

  // A reset lab starts the count of pings again.
  watch(
    () => useTopology().pristine,
    (pristine) => {
      if (pristine) pingsFrom.value = usePings().history.length;
    },
  );

  function start(id: string): void {
    currentId.value = id;
    pingsFrom.value = usePings().history.length;
  }

  function open(text: string, name: string): void {
    try {
      const lesson = parseLesson(text);
      opened.value = [...opened.value.filter((l) => l.id !== lesson.id), lesson];
      start(lesson.id);
      useUi().sideTab = 'lessons';
    } catch (error) {
      useUi().toast('error', `${name} is not a lesson`, error instanceof TopologyFileError ? error.message : String(error), 15000);
    }
  }

  return { lessons, current, currentId, done, ticked, nextStep, complete, running, start, open };
});

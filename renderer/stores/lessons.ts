// The lessons panel: shipped and opened lessons, which steps are done, and "do it for me".
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { parseLesson, satisfied, type Lesson } from '../../shared/lesson';
import { TopologyFileError } from '../../shared/topology-file';
import { usePings } from './pings';
import { useTopology } from './topology';
import { useUi } from './ui';

const shippedText = import.meta.glob('../../lessons/*.yaml', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

function shipped(): Lesson[] {
  return Object.keys(shippedText)
    .sort()
    .map((path) => parseLesson(shippedText[path] as string));
}

export const useLessons = defineStore('lessons', () => {
  const lessons = ref<Lesson[]>(shipped());
  const currentId = ref<string | null>(null);
  /** Steps ticked so far in the current lesson: a tick stays, even when a later step changes what it checked. */
  const ticked = ref<number[]>([]);
  const running = ref(false);
  const current = computed(() => lessons.value.find((l) => l.id === currentId.value) ?? null);
  const nextStep = computed(() => (current.value ? current.value.steps.findIndex((_, i) => !ticked.value.includes(i)) : -1));
  const complete = computed(() => !!current.value && nextStep.value === -1);

  function evaluate(): void {
    const lesson = current.value;
    if (!lesson) return;
    const topology = useTopology();
    const pings = usePings();
    lesson.steps.forEach((step, i) => {
      if (!ticked.value.includes(i) && satisfied(step.check, { namespaces: topology.namespaces }, pings.history)) ticked.value.push(i);
    });
  }

  // Re-check whenever the kernel's state or the ping history changes, whoever changed it.
  watch(() => [useTopology().namespaces, usePings().history.length, currentId.value], evaluate);

  function start(id: string): void {
    currentId.value = id;
    ticked.value = [];
    evaluate();
  }

  function open(text: string, name: string): void {
    try {
      const lesson = parseLesson(text);
      lessons.value = [...lessons.value.filter((l) => l.id !== lesson.id), lesson];
      start(lesson.id);
      useUi().sideTab = 'lessons';
    } catch (error) {
      useUi().toast('error', `${name} is not a lesson`, error instanceof TopologyFileError ? error.message : String(error), 15000);
    }
  }

  return { lessons, current, currentId, ticked, nextStep, complete, running, start, open };
});

import { createPinia } from 'pinia';
import { createApp } from 'vue';
import '@vue-flow/core/dist/style.css';
import '@vue-flow/core/dist/theme-default.css';
import '@vue-flow/minimap/dist/style.css';
import './styles.css';
import App from './App.vue';
import { createClient } from './client';
import { setClient } from './client/current';

setClient(createClient());
createApp(App).use(createPinia()).mount('#app');

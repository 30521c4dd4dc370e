import { FakeOpenAI } from './support/fake-openai.js';
const fake = await FakeOpenAI.start();
// Answers with what it was told: the system message, so a person can see what memory added.
fake.setDefault((request) => {
  if (request.body.response_format) return { text: JSON.stringify({ facts: [{ key: 'preferences.theme', value: 'dark', confidence: 0.9, importance: 0.8 }] }) };
  return { text: `[system: ${request.body.messages[0].content}] you said: ${request.body.messages.at(-1).content}` };
});
console.log(fake.url);

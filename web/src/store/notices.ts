// The notices slice: one dismissible notice at a time, and the one question the page may
// be asking (New, Open and Examples ask before replacing a workflow).
import type { Kit } from "./kit";
import type { NoticesSlice } from "./types";

export function noticesSlice({ set, get }: Kit): NoticesSlice {
  let noticeId = 0;
  let answerQuestion: ((yes: boolean) => void) | null = null;
  return {
    notices: [],
    question: null,

    notify(kind, title, lines = []) {
      // one notice at a time: the newest says what just happened (they stacked over the pager)
      set({ notices: [{ id: ++noticeId, kind, title, lines }] });
    },

    dismiss(id) {
      set({ notices: get().notices.filter((n) => n.id !== id) });
    },

    ask(question) {
      answerQuestion?.(false); // a question still open is answered "no"
      set({ question });
      return new Promise<boolean>((resolve) => (answerQuestion = resolve));
    },

    reply(yes) {
      const answer = answerQuestion;
      answerQuestion = null;
      set({ question: null });
      answer?.(yes);
    },
  };
}

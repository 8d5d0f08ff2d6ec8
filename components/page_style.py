"""The house look of every page, written once: the CSS that puts Streamlit's English words in
Chinese and calms the focus colour, and the keyboard script (issue #20). Fixed text, never user
input."""

from __future__ import annotations

import streamlit as st

STYLE = """
<style>
[data-testid="stMainBlockContainer"] {padding-top: 2rem; padding-bottom: 2rem;}
h1 {padding-top: 0.2rem;}
/* Streamlit's input hints are English ("Press Enter to submit form"): the same hint in Chinese */
[data-testid="InputInstructions"] {font-size: 0 !important;}
[data-testid="InputInstructions"]::after {content: "按回车确认"; font-size: 0.75rem;}
[data-testid="stTextArea"] [data-testid="InputInstructions"]::after {content: "Ctrl+回车确认";}
/* a required field's mark ("(required)"), in Chinese */
[data-testid="stWidgetLabelRequired"] {font-size: 0 !important;}
[data-testid="stWidgetLabelRequired"]::after {content: "必填"; font-size: 0.75rem; color: #b3261e;}
/* the file uploader's button and size hint are English ("Upload", "10MB per file • XLSX") */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {font-size: 0 !important;}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem;}
[data-testid="stFileUploaderDropzoneInstructions"] span {font-size: 0 !important;}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {content: "单个文件不超过 __MAX_UPLOAD__ MB";
  font-size: 0.75rem;}
/* focus: the theme's red read as an error on a field being typed in; a calm blue instead
   (errors keep the red: ui.field_error) */
[data-testid="stTextInputRootElement"]:focus-within, [data-testid="stTextAreaRootElement"]:focus-within,
[data-testid="stNumberInputContainer"]:focus-within, [data-testid="stDateInputField"]:focus-within,
[data-baseweb="input"]:focus-within, [data-baseweb="textarea"]:focus-within,
[data-baseweb="select"] > div:focus-within, .react-aria-ComboBox > div:focus-within,
[data-testid="stMultiSelect"] .react-aria-ComboBox > div:focus-within {border-color: #2f6fb3 !important;}
/* an empty date field read "yyyy-mm-dd": 年-月-日 */
[data-testid="stDateInputField"] span[data-placeholder="true"] {font-size: 0 !important;}
[data-testid="stDateInputField"] span[data-placeholder="true"]::after {font-size: 0.875rem;}
[data-testid="stDateInputField"] span[data-placeholder="true"][data-type="year"]::after {content: "年";}
[data-testid="stDateInputField"] span[data-placeholder="true"][data-type="month"]::after {content: "月";}
[data-testid="stDateInputField"] span[data-placeholder="true"][data-type="day"]::after {content: "日";}
</style>
"""


# Keyboard help for every page (issue #20):
# - a select box's clear button (×) was in the tab order: Tab from a chosen village landed on it
#   and Enter emptied the village. Out of the tab order, with a Chinese name; the mouse still
#   reaches it. (A required select box has none: ``required=True``.)
# - a rerun that redraws the field the cursor has just moved to (Tab out of the description
#   fills in the suggested category) dropped the focus to the page: when the focused field was
#   replaced, the cursor is put back into the new one of the same label, unless the user
#   clicked meanwhile.
KEYBOARD_SCRIPT = """<script>
(() => {
  if (window.govKeyboard) return;
  // Streamlit's own English words, in Chinese: empty select boxes, date inputs, table toolbars
  const words = {'Choose an option': '请选择', 'Choose options': '请选择', 'Search': '在表格中搜索',
                 'Fullscreen': '全屏', 'Close fullscreen': '退出全屏', 'Show/hide columns': '显示或隐藏列',
                 'Download as CSV': '下载', 'No results': '无匹配项', 'file upload': '选择文件',
                 'Select all': '全选'};
  const fix = () => {
    document.querySelectorAll('button[aria-label="Clear value"], button[aria-label="Clear all"]')
      .forEach(b => { b.tabIndex = -1; b.setAttribute('aria-label', '清除'); });
    document.querySelectorAll('input[placeholder]').forEach(i => {
      const p = i.getAttribute('placeholder');
      if (words[p]) i.setAttribute('placeholder', words[p]);
    });
    document.querySelectorAll('[aria-label]').forEach(e => {
      const w = words[e.getAttribute('aria-label')];
      if (w && e.tagName !== 'INPUT') e.setAttribute('aria-label', w);
    });
    // a multiselect's "Select all" is a div inside its option
    document.querySelectorAll(
      '[data-testid="stTooltipContent"] p, [role="tooltip"] p, [role="option"], [role="option"] > div'
    ).forEach(e => {
      if (e.childElementCount === 0 && words[e.textContent]) e.textContent = words[e.textContent];
    });
  };
  let last = null;
  document.addEventListener('focusin', e => {
    const label = e.target.getAttribute && e.target.getAttribute('aria-label');
    last = label ? {label: label, el: e.target} : null;
  });
  document.addEventListener('mousedown', () => { last = null; }, true);
  const refocus = () => {
    // only when the focused field itself was replaced by a rerun (not while Tab moves on)
    const a = document.activeElement;
    if (!last || last.el.isConnected || (a && a !== document.body)) return;
    const f = Array.from(document.querySelectorAll('[aria-label]'))
      .find(el => el.getAttribute('aria-label') === last.label);
    if (f && !f.disabled) f.focus();
  };
  // at most once a frame: a rerun changes hundreds of nodes
  let queued = false;
  const run = () => { queued = false; fix(); refocus(); };
  window.govKeyboard = new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(run); } });
  window.govKeyboard.observe(document.body, {childList: true, subtree: true, attributes: true,
                                             attributeFilter: ['aria-label', 'placeholder']});
  fix();
})();
</script>"""


def apply_style() -> None:
    """House CSS (fixed text, never user input): tighter top padding so forms fit one screen;
    the keyboard script above."""
    st.markdown(STYLE.replace("__MAX_UPLOAD__", str(st.get_option("server.maxUploadSize"))), unsafe_allow_html=True)
    st.html(KEYBOARD_SCRIPT, unsafe_allow_javascript=True)

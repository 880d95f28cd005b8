// The confirmation page: copy the tracking code or print the page (no inline script: CSP).
document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const text = document.querySelector(button.dataset.copy)?.textContent?.trim() || "";
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = button.dataset.done || button.textContent;
    } catch (error) {
      window.prompt(button.dataset.fallback || "", text);
    }
  });
});
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

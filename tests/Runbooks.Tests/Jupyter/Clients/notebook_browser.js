// Steps through a notebook in Jupyter Notebook (the classic UI) with headless chromium, cell by cell, as an
// engineer does: click the cell, Shift+Enter, wait for its prompt to show a number. Prints JSON: the kernel
// the page names, and per code cell its prompt, its output text and whether it shows an error.
// Usage: node notebook_browser.js PLAYWRIGHT_CORE_DIR URL SCREENSHOT.png [CELL_TIMEOUT_SECONDS]
const [playwrightDir, url, screenshot, cellTimeout = '180'] = process.argv.slice(2);
const { chromium } = require(playwrightDir);

const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: flags });
  const result = { kernel: null, cells: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    // The kernel the notebook's metadata.kernelspec names, started and connected.
    await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel
      && Jupyter.notebook.kernel.is_connected() && document.querySelector('#kernel_indicator_icon.kernel_idle_icon'),
      null, { timeout: 120000 });
    result.kernel = (await page.textContent('#kernel_indicator .kernel_indicator_name')).trim();

    const cells = page.locator('#notebook-container .cell');
    const count = await cells.count();
    for (let i = 0; i < count; i++) {
      const cell = cells.nth(i);
      if (!(await cell.evaluate(e => e.classList.contains('code_cell'))))
        continue;
      await cell.locator('.input_area').click();
      await page.keyboard.press('Shift+Enter');
      await cell.locator('.input_prompt').filter({ hasText: /In\s*\[\d+\]/ }).waitFor({ timeout: Number(cellTimeout) * 1000 });
      // The prompt's number comes with the reply on the shell channel; the cell's outputs come on iopub, which the
      // page may render later (a long markdown table was seen empty at this point). Wait for the kernel to be idle,
      // then give an empty output a moment to appear.
      await page.waitForSelector('#kernel_indicator_icon.kernel_idle_icon', { timeout: Number(cellTimeout) * 1000 });
      for (let tries = 0; tries < 30 && (await cell.locator('.output_wrapper').innerText()).trim() === ''; tries++)
        await page.waitForTimeout(100);
      const shown = {
        prompt: (await cell.locator('.input_prompt').textContent()).trim(),
        output: (await cell.locator('.output_wrapper').innerText()).trim(),
        error: (await cell.locator('.output_error').count()) > 0,
      };
      result.cells.push(shown);
      if (shown.error)
        break; // as runbook run does: the cells after a failure are not run
    }
    await page.screenshot({ path: screenshot, fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
})().catch(e => { console.error(e); process.exit(1); });

/**
 * The sweep form's objective choices: the figures every run of the base reports on its data set, so that a figure
 * the data set cannot give (the deepfake's swap error off a twin pair) is not offered to be optimised.
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { callHost, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test("the objective offers a family's own figures only where the base's data set gives them", async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('new-sweep').click();
  await page.getByTestId('sweep-method').selectOption('bayes');
  const choices = () => page.getByTestId('sweep-metric').locator('option').allTextContents();
  // DEC on MNIST: its accuracy needs the labels, which MNIST has.
  await page.getByTestId('sweep-base').selectOption('dec-mnist');
  await expect.poll(choices).toContain('test.cluster_acc · cluster accuracy (ACC)');
  // The deepfake on two digits of MNIST: no twin pair, so no swap error to optimise.
  await page.getByTestId('sweep-base').selectOption('deepfake-digits-3-8');
  await expect.poll(choices).toContain('test.loss');
  expect((await choices()).some((c) => c.startsWith('test.swap_mse'))).toBe(false);
  await page.getByTestId('sweep-search').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '108-sweep-objectives-deepfake.png') });
});

test('a VAE’s β so far (its KL warm-up) is no objective: the training sets it; the figures are offered by name and unit', async ({
  page,
}) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('new-sweep').click();
  await page.getByTestId('sweep-method').selectOption('bayes');
  const values = () =>
    page
      .getByTestId('sweep-metric')
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  const choices = () => page.getByTestId('sweep-metric').locator('option').allTextContents();
  // β-VAE with a warm-up logs its β so far each epoch: minimising it would pick the smallest β, not the best model.
  await page.getByTestId('sweep-base').selectOption('beta-vae-4');
  await expect.poll(values).toContain('test.kl');
  expect(await values()).not.toContain('test.kl_weight');
  expect(await choices()).toContain('test.neg_elbo · −ELBO (nats)');
  await page.getByTestId('sweep-search').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '109-sweep-objectives-warmup-swept.png') });
});

test('the objective warns when it is a loss and the sweep varies what defines it (β)', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('new-sweep').click();
  await page.getByTestId('sweep-base').selectOption('vae-784-400-20');
  const rows = page.getByTestId('sweep-param');
  if ((await rows.count()) === 0) await page.getByTestId('sweep-add-param').click();
  await rows.nth(0).getByTestId('sweep-param-path').selectOption('training.learningRate');
  await page.getByTestId('sweep-metric').selectOption('test.loss');
  const warning = page.getByTestId('sweep-metric-scale');
  // The learning rate leaves the loss as it is.
  await expect(warning).toHaveCount(0);
  await rows.nth(0).getByTestId('sweep-param-path').selectOption('model.beta');
  await expect(warning).toContainText('test.loss is defined by β (KL weight)');
  await expect(warning).toContainText('Judge them by test.neg_elbo or test.mse');
  await page.getByTestId('sweep-search').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '110-sweep-objective-beta-warning.png') });
  // Judged by the −ELBO, which weighs the KL alike in every run: nothing to warn of.
  await page.getByTestId('sweep-metric').selectOption('test.neg_elbo');
  await expect(warning).toHaveCount(0);
});

test('the sweep form follows the sidebar’s “At once”', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('new-sweep').click();
  await expect(page.getByTestId('sweep-target')).toContainText('2 at a time');
  await page.getByTestId('max-concurrent').fill('1');
  await page.getByTestId('max-concurrent').blur();
  await expect(page.getByTestId('sweep-target')).toContainText('1 at a time');
  await callHost(host, 'scheduler.set', { maxConcurrent: 2 });
  await expect(page.getByTestId('sweep-target')).toContainText('2 at a time');
});

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
  await expect.poll(choices).toContain('test.cluster_acc');
  // The deepfake on two digits of MNIST: no twin pair, so no swap error to optimise.
  await page.getByTestId('sweep-base').selectOption('deepfake-digits-3-8');
  await expect.poll(choices).toContain('test.loss');
  expect(await choices()).not.toContain('test.swap_mse');
  await page.getByTestId('sweep-search').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '108-sweep-objectives-deepfake.png') });
});

test('a VAE’s β is offered as an objective only where every run warms its KL up (the rest do not log it)', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('new-sweep').click();
  await page.getByTestId('sweep-method').selectOption('bayes');
  const choices = () => page.getByTestId('sweep-metric').locator('option').allTextContents();
  await page.getByTestId('sweep-base').selectOption('beta-vae-4');
  await expect.poll(choices).toContain('test.kl_weight');
  // Swept to no warm-up in some runs: those runs would not report it, and the core would refuse it.
  const rows = page.getByTestId('sweep-param');
  if ((await rows.count()) === 0) await page.getByTestId('sweep-add-param').click();
  await rows.nth(0).getByTestId('sweep-param-path').selectOption('model.klWarmupEpochs');
  await rows.nth(0).getByTestId('sweep-param-values').fill('0, 2');
  await expect.poll(choices).not.toContain('test.kl_weight');
  expect(await choices()).toContain('test.kl');
  await page.getByTestId('sweep-search').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '109-sweep-objectives-warmup-swept.png') });
  // The row removed, the β is offered again; a base without a warm-up does not offer it.
  await rows.nth(0).getByTestId('sweep-param-remove').click();
  await expect.poll(choices).toContain('test.kl_weight');
  await page.getByTestId('sweep-base').selectOption('vae-784-400-20');
  await expect.poll(choices).not.toContain('test.kl_weight');
  expect(await choices()).toContain('test.loss');
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

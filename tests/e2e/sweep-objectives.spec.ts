/**
 * The sweep form's objective choices: the figures every run of the base reports on its data set, so that a figure
 * the data set cannot give (the deepfake's swap error off a twin pair) is not offered to be optimised.
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { hostPerFile } from './host';

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

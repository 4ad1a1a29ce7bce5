import { type RightsizingRecommended, RightsizingRecommendedEvent } from '#events/rightsizing-recommended';
import { escapeMarkdown } from '#shared/gitops/markdown';
import { branchFor, sanitiseBranchSegment } from '#shared/gitops/pr-opener';
import {
  renderRightsizingPrBody,
  resourcesEditsOf,
  rightsizingPrTitle,
} from '#shared/gitops/rightsizing-pr-body';

const sample = RightsizingRecommendedEvent.sample as RightsizingRecommended;

function hostile(): RightsizingRecommended {
  return {
    ...sample,
    workload: { ...sample.workload, name: 'evil|name`<img src=x onerror=alert(1)>' },
    costCenter: 'ai|vision\n## injected heading @channel',
    containers: sample.containers.map((c) => ({
      ...c,
      container: 'c|1`x`\r\n| fake | row |',
      notes: ['[click](http://evil.example)'],
    })),
  };
}

describe('escapeMarkdown', () => {
  it.each([
    ['a|b', 'a\\|b'],
    ['`code`', '\\`code\\`'],
    ['<script>', '&lt;script&gt;'],
    ['line1\nline2', 'line1 line2'],
    ['[x](y)', '\\[x\\](y)'],
    ['@team', '&#64;team'],
    ['**bold**', '\\*\\*bold\\*\\*'],
  ])('escapes %j', (input, expected) => expect(escapeMarkdown(input)).toBe(expected));
});

describe('renderRightsizingPrBody', () => {
  it('shows current vs recommended, usage, days, savings and the algorithm when given a recommendation', () => {
    // Act
    const body = renderRightsizingPrBody([sample], ['apps/vision/image-captioner/deployment.yaml']);
    // Assess
    expect(body).toContain('| captioner | cpu request | 2 | 600m | 310m | 490m | 700m | 14 | 142.35 |');
    expect(body).toContain('| captioner | memory request / limit | 8Gi / 8Gi | 2560Mi / 2560Mi |');
    expect(body).toContain(
      'Algorithm `rightsize-1` with cpuPercentile=95, cpuHeadroom=1.2, memoryHeadroom=1.15',
    );
    expect(body).toContain('### Risk');
    expect(body).toContain('**Monthly savings: USD 142.35**');
  });

  it('keeps hostile workload names, labels and notes inert when they carry Markdown and HTML', () => {
    // Act
    const body = renderRightsizingPrBody([hostile()], ['apps/x|y.yaml']);
    // Assess: no raw HTML, no extra table rows, no heading or mention injected.
    expect(body).not.toContain('<img');
    expect(body).not.toMatch(/\n## injected/);
    expect(body).not.toContain('@channel');
    expect(body).not.toContain('[click](');
    const tableRows = body.split('\n').filter((line) => line.startsWith('| c\\|1'));
    expect(tableRows).toHaveLength(3);
    for (const row of tableRows) expect(row.split(/(?<!\\)\|/).length).toBe(11);
    expect(body).toContain('evil\\|name\\`&lt;img src=x onerror=alert(1)&gt;');
  });

  it('puts no newline in the title when the workload name has one', () => {
    expect(rightsizingPrTitle([{ ...sample, workload: { ...sample.workload, name: 'a\nb' } }])).toBe(
      'Rightsize vision/a b: save USD 142.35/month',
    );
  });

  it('asks only for the fields that change and never for GPUs', () => {
    expect(resourcesEditsOf(sample)).toEqual([
      {
        type: 'resources',
        container: 'captioner',
        cpuRequest: '600m',
        memoryRequest: '2560Mi',
        memoryLimit: '2560Mi',
      },
    ]);
  });
});

describe('branchFor', () => {
  it.each([
    [
      { namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
      'workload',
      'finops/rightsize/vision/image-captioner',
    ],
    [
      { namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
      'namespace',
      'finops/rightsize/vision',
    ],
    [
      { namespace: '..', kind: 'Deployment', name: '../x y~^:?*[\\.lock' },
      'workload',
      'finops/rightsize/unnamed/x-y',
    ],
  ] as const)('names the branch of %j grouped per %s', (workload, grouping, expected) => {
    expect(branchFor(workload, { grouping })).toBe(expected);
  });

  it('keeps a segment git accepts when the name is hostile', () => {
    expect(sanitiseBranchSegment('-.hidden..name.lock')).toBe('hidden.name');
  });
});

import { affectedRows, returnedRows } from './update-result';

describe("reading TypeORM's answer to a statement with RETURNING", () => {
  it('takes the rows out of the [rows, count] pair an UPDATE … RETURNING gives', () => {
    expect(returnedRows([[{ id: 'a' }, { id: 'b' }], 2])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(affectedRows([[{ id: 'a' }], 1])).toBe(1);
    expect(affectedRows([[], 0])).toBe(0);
  });

  it('takes the rows as they are from an INSERT … RETURNING', () => {
    expect(returnedRows([{ id: 'a' }])).toEqual([{ id: 'a' }]);
    expect(affectedRows([])).toBe(0);
  });
});

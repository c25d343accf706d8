"""packed answer codes: every response carries its answers as integer codes, so summaries count without joining
and sorting the answers table

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-14 09:00:00

Existing responses get their codes here, read from their answer rows in batches (surveys.core.answer_codes, the same
function the bot and the paper import use when they store a response).
"""

from alembic import op
import sqlalchemy as sa

from surveys.core.answer_codes import pack


revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None

BATCH = 2000

responses = sa.table('responses', sa.column('id', sa.String), sa.column('answer_codes', sa.LargeBinary),
                     sa.column('answer_numbers', sa.LargeBinary))
answers = sa.table('answers', sa.column('id', sa.Integer), sa.column('response_id', sa.String),
                   sa.column('question', sa.String), sa.column('choice', sa.String),
                   sa.column('number', sa.BigInteger), sa.column('declined', sa.Boolean))


def upgrade() -> None:
    op.add_column('responses', sa.Column('answer_codes', sa.LargeBinary(), nullable=True))
    op.add_column('responses', sa.Column('answer_numbers', sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    after = ''
    while True:
        ids = connection.execute(sa.select(responses.c.id).where(responses.c.id > after)
                                 .order_by(responses.c.id).limit(BATCH)).scalars().all()
        if not ids:
            break
        rows: dict[str, list[tuple]] = {response_id: [] for response_id in ids}
        for response_id, question, choice, number, declined in connection.execute(
            sa.select(answers.c.response_id, answers.c.question, answers.c.choice, answers.c.number,
                      answers.c.declined).where(answers.c.response_id.in_(ids)).order_by(answers.c.id)
        ):
            rows[response_id].append((question, choice, number, declined))
        packed = [{'key': response_id, 'codes': codes, 'numbers': numbers}
                  for response_id, (codes, numbers) in ((r, pack(a)) for r, a in rows.items())]
        connection.execute(
            responses.update().where(responses.c.id == sa.bindparam('key'))
            .values(answer_codes=sa.bindparam('codes'), answer_numbers=sa.bindparam('numbers')),
            packed,
        )
        after = ids[-1]


def downgrade() -> None:
    with op.batch_alter_table('responses') as batch:
        batch.drop_column('answer_numbers')
        batch.drop_column('answer_codes')

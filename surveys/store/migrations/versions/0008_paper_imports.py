"""paper imports: each imported file by the hash of its bytes, so a re-import is recognised by the file

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-01 03:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('paper_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.String(length=40), nullable=False),
    sa.Column('survey_version', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('copy', sa.Integer(), nullable=False),
    sa.Column('questionnaires', sa.Integer(), nullable=False),
    sa.Column('imported_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_imports')),
    sa.UniqueConstraint('survey_id', 'survey_version', 'file_sha256', 'copy',
                        name=op.f('uq_paper_imports_survey_id'))
    )


def downgrade() -> None:
    op.drop_table('paper_imports')
